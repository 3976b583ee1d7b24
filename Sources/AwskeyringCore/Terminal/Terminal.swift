/// Where the tool talks to the person at the keyboard. It is the controlling terminal, not stdin/stdout:
/// the AWS CLI and the SDKs capture the helper's output, so questions must bypass it.
public protocol Terminal: AnyObject {
    /// Shows `prompt` and reads one line; with `echo` false the typed characters are not shown.
    func readLine(prompt: String, echo: Bool) throws(HelperError) -> String
    /// Shows a message.
    func write(_ text: String)
}

extension Terminal {
    /// Asks a yes/no question; only an explicit yes counts.
    public func confirm(_ question: String) throws(HelperError) -> Bool {
        let answer = try readLine(prompt: "\(question) [y/N] ", echo: true).trimmingWhitespace().lowercased()
        return answer == "y" || answer == "yes"
    }
}
