import ProcessControl
import SystemAccess
import TerminalAccess
import TextFormats

/// Where one-time MFA codes come from: the profile's `mfa_process`, otherwise the person at the
/// controlling terminal (which works while an SDK captures the helper's stdout and stderr).
package struct MFATokenSource {
    package var mfaProcess: String?
    package var terminal: (any Terminal)?
    /// The profile being resolved, for messages.
    package var profile: String
    package var environment: [String: String]
    /// How long to wait for a code, typed or printed by `mfa_process` (`mfa_prompt_timeout`): the
    /// process holds the lock that other callers for the same keys wait on.
    package var timeout: Double = MFATokenSource.defaultTimeout

    package static let defaultTimeout = 120.0
    /// Reads the deadline and times `mfa_process`.
    package var clock: any TimeSource

    package init(
        mfaProcess: String?, terminal: (any Terminal)?, profile: String, environment: [String: String],
        clock: any TimeSource
    ) {
        self.mfaProcess = mfaProcess
        self.terminal = terminal
        self.profile = profile
        self.environment = environment
        self.clock = clock
    }

    /// Whether a rejected code can be followed by another try (a person can type a new one; a program
    /// would most likely print the same wrong one).
    package var canAskAgain: Bool { mfaProcess == nil && terminal != nil }

    package func code(serial: String, previousRejected: Bool) throws(MFAError) -> String {
        if let mfaProcess {
            let output: String
            do {
                output = try ShellCommand.output(
                    of: mfaProcess, environment: environment, timeout: timeout, clock: clock)
            } catch {
                throw .processFailed(profile: profile, error)
            }
            guard let code = Self.normalisedCode(output) else {
                throw .processPrintedNoCode(profile: profile)
            }
            return code
        }
        guard let terminal else {
            throw .noTerminal(profile: profile, serial: serial)
        }
        if previousRejected {
            terminal.write("AWS rejected that code; wait for the next one.\n")
        }
        let deadline = clock.now() + timeout
        for _ in 0..<3 {
            let typed: String
            do {
                typed = try terminal.readLine(
                    prompt: "Enter MFA code for \(serial): ", echo: true,
                    timeout: deadline - clock.now())
            } catch {
                guard clock.now() >= deadline else { throw .terminal(error) }
                throw .promptTimedOut(profile: profile, serial: serial, seconds: Int(timeout))
            }
            if let code = Self.normalisedCode(typed) { return code }
            terminal.write("An MFA code is six digits.\n")
        }
        throw .noValidCode(serial: serial)
    }

    /// The six digits of a code as typed or printed: surrounding white space dropped, and the code may
    /// be grouped as authenticator apps show it (`123 456`, spaces or tabs between the halves). nil when
    /// it is not a code.
    static func normalisedCode(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        if isCode(trimmed) { return trimmed }
        let scalars = Array(trimmed.unicodeScalars)
        guard scalars.count > 6 else { return nil }
        let gap = scalars[3..<(scalars.count - 3)]
        guard gap.allSatisfy({ $0 == " " || $0 == "\t" }) else { return nil }
        let code = String(String.UnicodeScalarView(scalars[0..<3] + scalars[(scalars.count - 3)...]))
        return isCode(code) ? code : nil
    }

    static func isCode(_ text: String) -> Bool {
        text.utf8.count == 6 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
