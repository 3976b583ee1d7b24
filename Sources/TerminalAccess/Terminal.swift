import TextFormats

/// Where the tool talks to the person at the keyboard. It is the controlling terminal, not stdin/stdout:
/// the AWS CLI and the SDKs capture the helper's output, so questions must bypass it.
package protocol Terminal: AnyObject {
    /// Shows `prompt` and reads one line; with `echo` false the typed characters are not shown.
    func readLine(prompt: String, echo: Bool) throws(TerminalError) -> String
    /// As `readLine(prompt:echo:)`, giving up with an error when no line is complete `timeout`
    /// seconds after the prompt (nobody is there to answer, and other callers wait behind this one).
    func readLine(prompt: String, echo: Bool, timeout: Double) throws(TerminalError) -> String
    /// Shows a message.
    func write(_ text: String)
}

extension Terminal {
    /// Terminals that cannot wait on their own (scripted ones in tests) answer without a bound.
    package func readLine(prompt: String, echo: Bool, timeout: Double) throws(TerminalError) -> String {
        try readLine(prompt: prompt, echo: echo)
    }

    /// Asks a yes/no question; only an explicit yes counts.
    package func confirm(_ question: String) throws(TerminalError) -> Bool {
        let answer = try readLine(prompt: "\(question) [y/N] ", echo: true).trimmingWhitespace().lowercased()
        return answer == "y" || answer == "yes"
    }
}
