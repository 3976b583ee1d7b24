/// Credentials an AWS SDK can sign with: long-lived keys, or temporary ones with a token and an expiry.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Seconds since the Unix epoch; nil for long-lived keys.
    public var expiration: Int?

    public init(
        accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Int? = nil
    ) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// The versioned document `credential_process` prints, members in the documented order.
    public var processDocument: JSONValue {
        var members: [(String, JSONValue)] = [
            ("Version", .integer(1)),
            ("AccessKeyId", .string(accessKeyId)),
            ("SecretAccessKey", .string(secretAccessKey)),
        ]
        if let sessionToken { members.append(("SessionToken", .string(sessionToken))) }
        if let expiration { members.append(("Expiration", .string(Timestamp.format(expiration)))) }
        return .object(members)
    }
}
