import Keyring

/// A failure the person running the tool can act on. Its description says what went wrong and what to
/// do; it never contains a secret.
public struct HelperError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    /// The error STS answered with, when the failure was STS refusing a call.
    public var stsError: STSServiceError?

    public init(_ message: String, stsError: STSServiceError? = nil) {
        self.message = message
        self.stsError = stsError
    }

    /// STS refused an MFA code (wrong, or already used).
    var isRejectedMFACode: Bool {
        guard let stsError, stsError.code == "AccessDenied" else { return false }
        return stsError.message.contains("MultiFactorAuthentication") || stsError.message.contains("MFA")
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
