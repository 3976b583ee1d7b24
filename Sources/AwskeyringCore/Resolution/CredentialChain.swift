/// Where the first credentials of a chain come from.
public enum CredentialSource: Sendable, Equatable {
    /// Long-lived keys stored in the keyring for this profile. `inConfig` is false when the profile has
    /// no section in either file (keys stored under a name of the person's choosing).
    case keyring(profile: String, inConfig: Bool)
    /// `aws_access_key_id` / `aws_secret_access_key` written in plain text in a profile.
    case plainTextKeys(profile: String)
    /// `credential_source = Environment`: the `AWS_ACCESS_KEY_ID` family of variables.
    case environment(profile: String)

    public var profile: String {
        switch self {
        case .keyring(let profile, _), .plainTextKeys(let profile), .environment(let profile): return profile
        }
    }
}

/// One AssumeRole call of a chain, with the settings of the profile that names the role.
public struct RoleStep: Sendable, Equatable {
    public var profile: String
    public var roleArn: String
    public var externalId: String?
    /// nil: a default is chosen when the call is made.
    public var sessionName: String?
    public var durationSeconds: Int?
    public var mfaSerial: String?
}

/// How a profile's credentials are obtained: a source, then roles assumed in order (each with the
/// credentials the step before produced).
public struct CredentialChain: Sendable, Equatable {
    public var profile: String
    public var source: CredentialSource
    public var roles: [RoleStep]
}
