/// No usable answer was read from the terminal.
package enum TerminalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing was typed before the deadline.
    case timedOut
    /// The input ended (Ctrl-D, a closed terminal) before a line was complete.
    case endOfInput
    /// The line is longer than any answer this tool asks for.
    case lineTooLong
    /// The person closed the dialog (pinentry's Cancel).
    case cancelled
    /// The dialog program could not ask (`reason` says why).
    case unavailable(String)

    package var description: String {
        switch self {
        case .timedOut: return "no answer was typed on the terminal in time"
        case .endOfInput: return "no answer was typed on the terminal (end of input)"
        case .lineTooLong: return "the line typed on the terminal is too long"
        case .cancelled: return "the MFA code dialog was cancelled; nothing was sent to AWS"
        case .unavailable(let reason):
            return """
                pinentry could not ask for the MFA code: \(reason); install a pinentry program (pinentry-gnome3, \
                pinentry-qt, ...), point AWSKEYRING_HELPER_PINENTRY at one, or set mfa_process in the profile
                """
        }
    }
}
