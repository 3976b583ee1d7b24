import TextFormats

/// Credentials an AWS SDK can sign with: long-lived keys, or temporary ones with a token and an expiry.
package struct AWSCredentials: Sendable, Equatable {
    package var accessKeyId: String
    package var secretAccessKey: String
    package var sessionToken: String?
    /// Seconds since the Unix epoch; nil for long-lived keys.
    package var expiration: Int?

    package init(
        accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Int? = nil
    ) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// The versioned document `credential_process` prints, members in the documented order.
    package var processDocument: JSONValue {
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
