/// An error STS reported in an `ErrorResponse` document, e.g. `AccessDenied` or `ExpiredToken`.
package struct STSServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    package var code: String
    package var message: String
    /// `Sender` or `Receiver` when the document says.
    package var type: String?

    package init(code: String, message: String, type: String? = nil) {
        self.code = code
        self.message = message
        self.type = type
    }

    package var description: String {
        message.isEmpty ? "STS error \(code)" : "STS error \(code): \(message)"
    }
}
