/// No usable answer was read from the terminal.
package enum TerminalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing was typed before the deadline.
    case timedOut
    /// The input ended (Ctrl-D, a closed terminal) before a line was complete.
    case endOfInput
    /// The line is longer than any answer this tool asks for.
    case lineTooLong

    package var description: String {
        switch self {
        case .timedOut: return "no answer was typed on the terminal in time"
        case .endOfInput: return "no answer was typed on the terminal (end of input)"
        case .lineTooLong: return "the line typed on the terminal is too long"
        }
    }
}
