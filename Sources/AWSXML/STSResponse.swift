import CredentialValues
import TextFormats

/// Temporary credentials from AssumeRole, GetSessionToken or AssumeRoleWithWebIdentity.
package struct STSCredentialsResult: Sendable, Equatable {
    /// Always has a session token and an expiration.
    package var credentials: AWSCredentials
    /// `AssumedRoleUser/Arn`, for the actions that assume a role.
    package var assumedRoleArn: String?

    package init(credentials: AWSCredentials, assumedRoleArn: String? = nil) {
        self.credentials = credentials
        self.assumedRoleArn = assumedRoleArn
    }
}

/// The answer to GetCallerIdentity.
package struct CallerIdentity: Sendable, Equatable {
    package var account: String
    package var arn: String
    package var userId: String

    package init(account: String, arn: String, userId: String) {
        self.account = account
        self.arn = arn
        self.userId = userId
    }
}

/// A response body that is not one we understand: not XML, truncated, not the expected document, or
/// missing a member. The reason never quotes the body, which may hold credentials.
package struct STSResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    package var reason: String

    package init(reason: String) {
        self.reason = reason
    }

    package var description: String { "unreadable STS response: \(reason)" }
}

/// Reading the XML that STS's query protocol answers with.
package enum STSResponse {
    /// The credentials in an `<Action>Response/<Action>Result/Credentials` document, for `action` one of
    /// `AssumeRole`, `GetSessionToken`, `AssumeRoleWithWebIdentity` (any action whose result holds
    /// `Credentials` works). `Expiration` may have fractional seconds; they are dropped.
    package static func credentials(from body: [UInt8], action: String) throws(STSResponseError)
        -> STSCredentialsResult
    {
        let result = try result(of: body, action: action)
        let values = try text(
            try member(result, "Credentials"), "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration",
            in: "Credentials")
        guard let expiration = Timestamp.parse(values[3]) else {
            throw STSResponseError(reason: "Credentials/Expiration is not an ISO 8601 timestamp")
        }
        var arn: String?
        if let user = try optionalMember(result, "AssumedRoleUser") {
            arn = try text(user, "Arn", in: "AssumedRoleUser")[0]
        }
        return STSCredentialsResult(
            credentials: AWSCredentials(
                accessKeyId: values[0], secretAccessKey: values[1], sessionToken: values[2],
                expiration: expiration),
            assumedRoleArn: arn)
    }

    /// The identity in a `GetCallerIdentityResponse` document.
    package static func callerIdentity(from body: [UInt8]) throws(STSResponseError) -> CallerIdentity {
        let result = try result(of: body, action: "GetCallerIdentity")
        let values = try text(result, "Account", "Arn", "UserId", in: "GetCallerIdentityResult")
        return CallerIdentity(account: values[0], arn: values[1], userId: values[2])
    }

    /// The error in a query-protocol error document: `ErrorResponse/Error` (with or without the STS namespace),
    /// `ErrorResponse/Errors/Error` or `Response/Errors/Error`. Nil when the body is anything else,
    /// including an error document without a `Code`.
    package static func serviceError(from body: [UInt8]) -> AWSServiceError? {
        guard let root = try? XMLReader.parse(body),
            root.localName == "ErrorResponse" || root.localName == "Response"
        else { return nil }
        var errors = root.children(named: "Error")
        for list in root.children(named: "Errors") { errors += list.children(named: "Error") }
        guard let error = errors.first,
            let code = error.children(named: "Code").first.map({ ASCIIText.trimmed($0.text) }), !code.isEmpty
        else { return nil }
        let message = error.children(named: "Message").first.map { ASCIIText.trimmed($0.text) } ?? ""
        let type = error.children(named: "Type").first.map { ASCIIText.trimmed($0.text) }
        let requestId = (root.children(named: "RequestId").first ?? root.children(named: "RequestID").first)
            .map { ASCIIText.trimmed($0.text) }
        return AWSServiceError(
            code: code, message: message, type: type?.isEmpty == true ? nil : type,
            requestId: requestId?.isEmpty == true ? nil : requestId)
    }

    // MARK: - Helpers

    /// The `<action>Result` element of an `<action>Response` document.
    private static func result(of body: [UInt8], action: String) throws(STSResponseError) -> XMLElement {
        let root: XMLElement
        do {
            root = try XMLReader.parse(body)
        } catch {
            throw STSResponseError(reason: "not a well-formed XML document (\(error))")
        }
        guard root.localName == "\(action)Response" else {
            if root.localName == "ErrorResponse" || root.localName == "Response" {
                throw STSResponseError(reason: "an error document where a \(action)Response was expected")
            }
            throw STSResponseError(reason: "the document is not a \(action)Response")
        }
        return try member(root, "\(action)Result")
    }

    private static func optionalMember(_ parent: XMLElement, _ name: String) throws(STSResponseError)
        -> XMLElement?
    {
        let found = parent.children(named: name)
        guard found.count <= 1 else { throw STSResponseError(reason: "\(name) appears more than once") }
        return found.first
    }

    private static func member(_ parent: XMLElement, _ name: String) throws(STSResponseError) -> XMLElement {
        guard let found = try optionalMember(parent, name) else {
            throw STSResponseError(reason: "\(parent.localName) has no \(name)")
        }
        return found
    }

    /// The trimmed, non-empty text of each named leaf member of `parent`, in order.
    private static func text(_ parent: XMLElement, _ names: String..., in context: String)
        throws(STSResponseError)
        -> [String]
    {
        var values: [String] = []
        for name in names {
            let element = try member(parent, name)
            guard element.children.isEmpty else {
                throw STSResponseError(reason: "\(context)/\(name) is not a simple value")
            }
            let value = ASCIIText.trimmed(element.text)
            guard !value.isEmpty else { throw STSResponseError(reason: "\(context)/\(name) is empty") }
            values.append(value)
        }
        return values
    }

}
