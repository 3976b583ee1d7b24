import Keyring

/// A failure the person running the tool can act on. Its description says what went wrong and what to
/// do; it never contains a secret.
public struct HelperError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension HelperError {
    init(_ error: KeyringError) {
        self.init(error.description)
    }

    init(_ error: ConfigFileError) {
        self.init("cannot use \(error.description)")
    }
}
