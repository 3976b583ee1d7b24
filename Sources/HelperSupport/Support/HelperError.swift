/// A failure the person running the tool can act on. Its description says what went wrong and what to
/// do; it never contains a secret.
package struct HelperError: Error, Equatable, Sendable, CustomStringConvertible {
    package var message: String
    /// The error STS answered with, when the failure was STS refusing a call.
    package var stsError: STSServiceError?

    package init(_ message: String, stsError: STSServiceError? = nil) {
        self.message = message
        self.stsError = stsError
    }

    /// STS refused an MFA code (wrong, or already used).
    package var isRejectedMFACode: Bool {
        guard let stsError, stsError.code == "AccessDenied" else { return false }
        return stsError.message.contains("MultiFactorAuthentication") || stsError.message.contains("MFA")
    }

    package var description: String { message }
}
