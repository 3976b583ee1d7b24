import ProcessControl
import SystemAccess
import TerminalAccess
import TextFormats

#if canImport(Glibc)
    import Glibc
#endif

/// Asks for an MFA code through pinentry, the desktop's secret-prompt program (pinentry-gnome3, -qt,
/// -gtk2, -curses, -tty), for callers with no terminal: an IDE's AWS toolkit, a program started from a
/// desktop launcher. It speaks pinentry's Assuan protocol over the program's stdin and stdout: one
/// dialog per code, with the profile, the roles and the MFA device in its text. Stands in for the
/// terminal in `MFATokenSource`: what would be written on the terminal ("AWS rejected that code") is
/// shown as the next dialog's error line.
package final class PinentryPrompt: Terminal {
    /// The program: `AWSKEYRING_HELPER_PINENTRY`, else `pinentry` on `PATH`.
    let program: String
    let environment: [String: String]
    /// The dialog's description, naming the profile, the roles and the device.
    let description: String
    let clock: any TimeSource
    /// Notes waiting for the next dialog (its error line).
    private var pendingNote: String?

    package static let programVariable = "AWSKEYRING_HELPER_PINENTRY"

    package init(
        environment: [String: String], description: String, clock: any TimeSource
    ) {
        let configured = environment[Self.programVariable] ?? ""
        self.program = configured.isEmpty ? "pinentry" : configured
        self.environment = environment
        self.description = description
        self.clock = clock
    }

    /// Whether a display is there for pinentry's dialog.
    package static func hasDisplay(_ environment: [String: String]) -> Bool {
        !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
    }

    package func write(_ text: String) {
        let note = text.trimmingWhitespace()
        guard !note.isEmpty else { return }
        pendingNote = pendingNote.map { $0 + " " + note } ?? note
    }

    package func readLine(prompt: String, echo: Bool) throws(TerminalError) -> String {
        try readLine(prompt: prompt, echo: echo, timeout: MFATokenSource.defaultTimeout)
    }

    package func readLine(prompt: String, echo: Bool, timeout: Double) throws(TerminalError) -> String {
        let deadline = clock.now() + max(timeout, 0)
        let note = pendingNote
        pendingNote = nil
        var session: AssuanSession
        do {
            session = try AssuanSession.start(
                program: program, environment: environment, deadline: deadline, clock: clock)
        } catch {
            throw .unavailable(error.description)
        }
        defer { session.finish() }
        do {
            try session.expectGreeting()
            try session.command("SETTITLE awskeyring-helper")
            try session.command("SETDESC " + AssuanSession.escaped(description))
            // The terminal's prompt names the device, which the description already does.
            try session.command("SETPROMPT MFA code:")
            if let note { try session.command("SETERROR " + AssuanSession.escaped(note)) }
            // pinentry closes its dialog by itself at the same limit, so nothing is left on the screen.
            try session.command("SETTIMEOUT \(max(1, Int((deadline - clock.now()).rounded(.up))))")
            let pin = try session.getPin()
            session.bye()
            return pin
        } catch .cancelled {
            throw .cancelled
        } catch .timedOut {
            throw .timedOut
        } catch {
            throw .unavailable(error.description)
        }
    }
}

/// One conversation with an Assuan server on a child's stdin and stdout (the client side, as gpg talks
/// to pinentry): commands out, `OK`, `ERR`, `D` (percent-escaped data) and `S`/`#` lines in, each read
/// within the deadline.
struct AssuanSession {
    let pid: pid_t
    let input: Int32
    let output: Int32
    let deadline: Double
    let clock: any TimeSource
    private var buffer: [UInt8] = []

    /// pinentry's "Operation cancelled" (GPG_ERR_CANCELED with the pinentry source) and timeout codes,
    /// by their low 16 bits (the error code without the source).
    static let cancelledCode = 99
    static let timeoutCode = 62

    enum Failure: Error, Equatable, CustomStringConvertible {
        case cannotStart(String)
        case cancelled
        case timedOut
        case protocolError(String)
        case closed

        var description: String {
            switch self {
            case .cannotStart(let reason): return reason
            case .cancelled: return "the dialog was cancelled"
            case .timedOut: return "the dialog timed out"
            case .protocolError(let line): return "pinentry answered '\(line)'"
            case .closed: return "pinentry ended the conversation"
            }
        }
    }

    static func start(program: String, environment: [String: String], deadline: Double, clock: any TimeSource)
        throws(Failure) -> AssuanSession
    {
        let child: ShellCommand.ConnectedChild
        do {
            child = try ShellCommand.startConnected(program, environment: environment)
        } catch {
            throw .cannotStart(error.description)
        }
        return AssuanSession(
            pid: child.pid, input: child.input, output: child.output, deadline: deadline, clock: clock)
    }

    private init(pid: pid_t, input: Int32, output: Int32, deadline: Double, clock: any TimeSource) {
        self.pid = pid
        self.input = input
        self.output = output
        self.deadline = deadline
        self.clock = clock
    }

    /// Percent-escapes what Assuan lines cannot carry as they are: `%`, CR, LF and other control
    /// characters.
    static func escaped(_ text: String) -> String {
        var result: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: "%") || byte < 0x20 || byte == 0x7F {
                let hex = Array(String(byte, radix: 16, uppercase: true).utf8)
                result += [UInt8(ascii: "%")] + (hex.count == 1 ? [UInt8(ascii: "0")] + hex : hex)
            } else {
                result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    static func unescaped(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var result: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let value = UInt8(
                    String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                result.append(value)
                index += 3
            } else {
                result.append(byte)
                index += 1
            }
        }
        return result
    }

    mutating func expectGreeting() throws(Failure) {
        let line = try nextResponse()
        guard line.starts(with: Array("OK".utf8)) else {
            throw .protocolError(String(decoding: line.prefix(80), as: UTF8.self))
        }
    }

    /// Sends one command and waits for its `OK`.
    mutating func command(_ text: String) throws(Failure) {
        try send(text)
        let line = try nextResponse()
        if line.starts(with: Array("OK".utf8)) { return }
        throw Self.failure(line)
    }

    /// GETPIN: the data lines, unescaped, up to `OK`.
    mutating func getPin() throws(Failure) -> String {
        try send("GETPIN")
        var pin: [UInt8] = []
        defer {
            // The code is a secret for a short while: no copy left in this buffer.
            for index in pin.indices { pin[index] = 0 }
        }
        while true {
            let line = try nextResponse()
            if line.starts(with: Array("D ".utf8)) {
                pin += Self.unescaped(line.dropFirst(2))
                if pin.count > 256 { throw .protocolError("a PIN longer than any MFA code") }
            } else if line.starts(with: Array("OK".utf8)) {
                return String(decoding: pin, as: UTF8.self)
            } else if line.starts(with: Array("INQUIRE".utf8)) {
                try send("CAN")
            } else {
                throw Self.failure(line)
            }
        }
    }

    mutating func bye() {
        try? send("BYE")
    }

    /// Closes the pipes, and ends the program if it does not exit by itself at once.
    func finish() {
        close(input)
        close(output)
        var status: Int32 = 0
        for _ in 0..<50 {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { return Processes.reaped(pid) }
            usleep(10_000)
        }
        kill(pid, SIGTERM)
        for _ in 0..<50 {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { return Processes.reaped(pid) }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        Processes.reaped(pid)
    }

    private static func failure(_ line: [UInt8]) -> Failure {
        let text = String(decoding: line.prefix(120), as: UTF8.self)
        guard line.starts(with: Array("ERR ".utf8)) else { return .protocolError(text) }
        let words = text.split(separator: " ")
        if words.count > 1, let code = Int(words[1]) {
            if code & 0xFFFF == cancelledCode { return .cancelled }
            if code & 0xFFFF == timeoutCode { return .timedOut }
        }
        return .protocolError(text)
    }

    private func send(_ text: String) throws(Failure) {
        let bytes = Array((text + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.write(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .closed
            }
            sent += count
        }
    }

    /// The next line that is not a status (`S`) or comment (`#`) line.
    private mutating func nextResponse() throws(Failure) -> [UInt8] {
        while true {
            let line = try nextLine()
            if line.starts(with: Array("S ".utf8)) || line == Array("S".utf8)
                || line.first == UInt8(ascii: "#")
            {
                continue
            }
            return line
        }
    }

    private mutating func nextLine() throws(Failure) -> [UInt8] {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            if buffer.count > 4096 { throw .protocolError("a line longer than the protocol allows") }
            let remaining = deadline - clock.now()
            guard remaining > 0 else { throw .timedOut }
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 3600) * 1000) + 1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .closed
            }
            if ready == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 512)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .closed
            }
            if count == 0 { throw .closed }
            buffer += chunk[..<count]
            for index in chunk.indices { chunk[index] = 0 }
        }
    }
}

/// A profile's `mfa_prompt`: where a person is asked for an MFA code.
package enum MFAPromptChoice: String, Sendable, Equatable {
    /// The terminal when `/dev/tty` opens, else pinentry when there is a display.
    case auto
    case terminal
    case pinentry
}

extension CredentialProvider {
    /// Where the person is asked for an MFA code, as the profile's `mfa_prompt` says; nil when no one
    /// can be asked.
    func mfaPrompt(_ chain: CredentialChain, plan: CredentialPlan) -> (any Terminal)? {
        func pinentry() -> PinentryPrompt {
            var text =
                "Profile '\(chain.profile)' needs a one-time code from MFA device \(plan.mfaSerial ?? "")"
            let roles = chain.roles.map(\.roleArn)
            if !roles.isEmpty { text += " to assume " + roles.joined(separator: ", then ") }
            text += "."
            return PinentryPrompt(environment: environment, description: text, clock: clock)
        }
        switch plan.mfaPrompt {
        case .terminal: return openTerminal()
        case .pinentry: return pinentry()
        case .auto:
            if let terminal = openTerminal() { return terminal }
            return PinentryPrompt.hasDisplay(environment) ? pinentry() : nil
        }
    }
}
