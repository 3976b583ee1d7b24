/// An access key pair that does not have the shape AWS issues. Messages describe the input without
/// repeating it: a secret pasted into the wrong field must not end up on the screen.
package enum KeyFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `problem` completes "the Access Key ID ...".
    case accessKeyId(problem: String)
    /// `problem` completes "the Secret Access Key ...".
    case secretAccessKey(problem: String)
    /// Typed at the prompt, the Access Key ID looks like a secret access key (shown on the screen).
    case secretTypedAsAccessKeyId
    /// Typed at the prompt, the Access Key ID holds a comma, tab or space: most likely a line of the
    /// console's CSV file ("ID,secret"), so the secret was shown too.
    case pairTypedAsAccessKeyId
    /// Typed at the prompt, before the secret was asked for.
    case typedAccessKeyId(problem: String)

    package var description: String {
        switch self {
        case .accessKeyId(let problem):
            return "the Access Key ID \(problem); it looks like AKIAIOSFODNN7EXAMPLE"
        case .secretAccessKey(let problem):
            return "the Secret Access Key \(problem); AWS secret keys are 40 characters long"
        case .secretTypedAsAccessKeyId:
            return """
                that looks like a Secret Access Key, typed where the Access Key ID goes, so it was shown on \
                the screen: clear the terminal and its scrollback, and if anyone may have seen it, rotate \
                the key. Nothing was stored; run store again and type the Access Key ID (AKIA...) first
                """
        case .pairTypedAsAccessKeyId:
            return """
                the Access Key ID holds a comma, tab or space: that looks like a whole line of the access key \
                file (the ID and the secret), so the secret was shown on the screen: clear the terminal and \
                its scrollback, and if anyone may have seen it, rotate the key. Nothing was stored; run store \
                again and type the Access Key ID (AKIA...) alone
                """
        case .typedAccessKeyId(let problem):
            return "the Access Key ID \(problem); it looks like AKIAIOSFODNN7EXAMPLE. Nothing was stored"
        }
    }
}
