import TextFormats

/// An error an AWS query-protocol service (STS, IAM) answered with, from its `ErrorResponse` document:
/// e.g. `AccessDenied`, `ExpiredToken`, `LimitExceeded`. The same type for every service, so callers
/// decide by `code`, never by a message's text.
package struct AWSServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    package var code: String
    package var message: String
    /// `Sender` or `Receiver` when the document says.
    package var type: String?
    /// The HTTP status of the answer, when known (some services answer an error document with 200).
    package var httpStatus: Int?
    /// The `RequestId` of the answer, when it has one (what AWS support asks for).
    package var requestId: String?

    package init(
        code: String, message: String, type: String? = nil, httpStatus: Int? = nil, requestId: String? = nil
    ) {
        self.code = code
        self.message = message
        self.type = type
        self.httpStatus = httpStatus
        self.requestId = requestId
    }

    /// STS refused an MFA code (wrong, or already used). STS has no code of its own for this: it answers
    /// `AccessDenied` with a message that names MultiFactorAuthentication (or MFA), as botocore's
    /// documentation shows; this is the one place that reads it.
    package var isRejectedMFACode: Bool {
        code == "AccessDenied"
            && (ASCIIText.occurs("MultiFactorAuthentication", in: message)
                || ASCIIText.occurs("MFA", in: message))
    }

    package var description: String { "\(code): \(message)" }
}
