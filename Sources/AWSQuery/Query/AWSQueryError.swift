import AWSXML

/// A query-protocol call (`AWSQueryClient`) that did not succeed: refused before sending, answered with
/// an error by the service, or never answered (the transport failed). `call` names the call in messages
/// ("AssumeRole arn:...", "IAM ListAccessKeys"); `attempts` is how many tries were made.
package enum AWSQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The endpoint URL is not usable.
    case invalidEndpoint(EndpointURLError)
    /// The endpoint is plain http to another machine; `signed` tells a signed request from an unsigned
    /// one that carries a token.
    case plainHTTPRefused(service: String, host: String, signed: Bool)
    /// The service answered with an error document.
    case service(AWSServiceError, call: String, attempts: Int)
    /// The service answered an HTTP error status without an error document.
    case httpStatus(Int, service: String, call: String, attempts: Int)
    /// No answer: connecting, TLS, a timeout or the connection failed.
    case transport(HTTPFailure, url: String, call: String, attempts: Int)
    /// The service answered, but not with a document that could be read; `reason` never quotes it.
    case unreadableResponse(service: String, call: String, reason: String)
    /// The request could not be signed (libcrypto is missing); nothing was sent.
    case cannotSign(call: String, reason: String)

    /// The service's own error, when the failure is the service refusing the call.
    package var serviceError: AWSServiceError? {
        if case .service(let error, _, _) = self { return error }
        return nil
    }

    package var description: String {
        func tries(_ attempts: Int) -> String { attempts > 1 ? " (after \(attempts) attempts)" : "" }
        switch self {
        case .invalidEndpoint(let error): return error.description
        case .plainHTTPRefused(let service, let host, let signed):
            return """
                refusing to send \(signed ? "signed \(service) requests" : "an unsigned \(service) request with a token") \
                over plain http to \(host): use an https:// endpoint (plain http is allowed only to this \
                machine: localhost, 127.0.0.0/8 written as a plain dotted quad such as 127.0.0.1, or [::1])
                """
        case .service(let error, let call, let attempts):
            return "\(call) failed: \(error.code): \(error.message)" + tries(attempts)
        case .httpStatus(let status, let service, let call, let attempts):
            return "\(call) failed: \(service) answered HTTP \(status)" + tries(attempts)
        case .transport(let failure, let url, let call, let attempts):
            return "\(call) failed: \(url) \(failure.description)" + tries(attempts)
        case .unreadableResponse(let service, let call, let reason):
            return "\(call) failed: \(service) sent a response that could not be read (\(reason))"
        case .cannotSign(let call, let reason):
            return "\(call) failed: the request could not be signed: \(reason)"
        }
    }
}
