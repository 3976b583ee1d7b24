import ProcessControl
import TerminalAccess
import TextFormats

/// No MFA code could be had for a call that needs one. (STS rejecting a code is an
/// `AWSServiceError`: see `isRejectedMFACode`.)
package enum MFAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The profile's `mfa_process` could not be run or failed.
    case processFailed(profile: String, ShellCommandError)
    /// The profile's `mfa_process` printed something other than a six-digit code.
    case processPrintedNoCode(profile: String)
    /// No `mfa_process` and no terminal to ask on.
    case noTerminal(profile: String, serial: String)
    /// Nobody typed a code within `seconds` (`mfa_prompt_timeout`).
    case promptTimedOut(profile: String, serial: String, seconds: Int)
    /// Three answers in a row were not six digits.
    case noValidCode(serial: String)
    /// Reading the answer from the terminal failed.
    case terminal(TerminalError)

    package var description: String {
        switch self {
        case .processFailed(let profile, let error):
            return "mfa_process of profile '\(profile)' failed: \(error.description)"
        case .processPrintedNoCode(let profile):
            return "mfa_process of profile '\(profile)' did not print a six-digit MFA code"
        case .noTerminal(let profile, let serial):
            return """
                profile '\(profile)' needs an MFA code for \(serial), but there is no terminal to ask on and no \
                display for a pinentry dialog (mfa_prompt = auto). Set 'mfa_process = COMMAND' in the profile (a \
                command that prints the code), or 'mfa_prompt = pinentry' where a pinentry program can ask, or run \
                'awskeyring-helper --profile \(ShellQuoting.word(profile))' once in a terminal: the session it gets is cached
                """
        case .promptTimedOut(let profile, let serial, let seconds):
            return """
                no MFA code for \(serial) was typed within \(seconds) s, so profile '\(profile)' gave up \
                (and let other callers go on); run the command again when you can answer, or set \
                mfa_prompt_timeout = SECONDS in the profile for a longer wait
                """
        case .noValidCode(let serial): return "no valid MFA code was typed for \(serial)"
        case .terminal(let error): return error.description
        }
    }
}
