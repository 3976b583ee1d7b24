/// Where the first credentials of a chain come from.
package enum CredentialSource: Sendable, Equatable {
    /// Long-lived keys stored in the keyring for this profile. `inConfig` is false when the profile has
    /// no section in either file (keys stored under a name of the person's choosing).
    case keyring(profile: String, inConfig: Bool)
    /// `aws_access_key_id` / `aws_secret_access_key` written in plain text in a profile.
    case plainTextKeys(profile: String)
    /// `credential_source = Environment`: the `AWS_ACCESS_KEY_ID` family of variables.
    case environment(profile: String)
    /// `credential_source = Ec2InstanceMetadata`: the instance's role, from IMDS.
    case instanceMetadata(profile: String)
    /// `credential_source = EcsContainer`: the task's or pod's role, from the container endpoint.
    case containerEndpoint(profile: String)
    /// `web_identity_token_file` with `role_arn`: AssumeRoleWithWebIdentity.
    case webIdentity(WebIdentitySource)
    /// A source profile's own `credential_process` (another program than this helper).
    case process(profile: String, command: String)

    package var profile: String {
        switch self {
        case .keyring(let profile, _), .plainTextKeys(let profile), .environment(let profile),
            .instanceMetadata(let profile), .containerEndpoint(let profile), .process(let profile, _):
            return profile
        case .webIdentity(let source): return source.profile
        }
    }

    /// Whether the source hands out a role's credentials, so a role assumed with them is limited to the
    /// one hour AWS allows for role chaining.
    package var givesRoleCredentials: Bool {
        switch self {
        case .instanceMetadata, .containerEndpoint, .webIdentity: return true
        case .keyring, .plainTextKeys, .environment, .process: return false
        }
    }

    /// Whether the source hands out long-lived keys (which GetSessionToken can turn into an MFA
    /// session); the others give temporary credentials, which can only pass an MFA code to AssumeRole.
    var givesLongLivedKeys: Bool {
        switch self {
        case .keyring, .plainTextKeys, .environment: return true
        case .instanceMetadata, .containerEndpoint, .webIdentity, .process: return false
        }
    }
}

/// The settings of one AssumeRoleWithWebIdentity call, from a profile or (for the profile asked for, as
/// in botocore) the `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME` variables.
package struct WebIdentitySource: Sendable, Equatable {
    package var profile: String
    package var roleArn: String
    /// Read afresh for every call: the platform rotates the token in place.
    package var tokenFile: String
    /// nil: a default is chosen when the call is made.
    package var sessionName: String?
    package var durationSeconds: Int?
    /// Which settings came from the environment rather than the profile, for `explain`.
    package var fromEnvironment: [String] = []
}

/// One AssumeRole call of a chain, with the settings of the profile that names the role.
package struct RoleStep: Sendable, Equatable {
    package var profile: String
    package var roleArn: String
    package var externalId: String?
    /// nil: a default is chosen when the call is made.
    package var sessionName: String?
    package var durationSeconds: Int?
    package var mfaSerial: String?
}

/// A profile whose `credential_process` is this helper itself, resolved in this process instead of
/// starting another one.
package struct HelperHandOff: Sendable, Equatable {
    /// The profile with the `credential_process` setting.
    package var profile: String
    /// The profile that command names with `--profile` (or the default one).
    package var target: String
    /// How many role steps of the chain come before it (counting from the source).
    package var position: Int

    package init(profile: String, target: String, position: Int) {
        self.profile = profile
        self.target = target
        self.position = position
    }
}

/// How a profile's credentials are obtained: a source, then roles assumed in order (each with the
/// credentials the step before produced).
package struct CredentialChain: Sendable, Equatable {
    package var profile: String
    package var source: CredentialSource
    package var roles: [RoleStep]
    package var handOffs: [HelperHandOff] = []
    /// Set when the source is a profile with no section in either file that another profile's
    /// `source_profile` names: the profile with that `source_profile` (most likely a typo in it).
    package var missingSourceProfileOf: String?
}

extension CredentialChain {
    /// The profile at the top of the process that assumes the role at `index` (-1: that gets the
    /// source's session): the target of the lowest hand-off above it, or the profile asked for. The
    /// hand-offs are listed from the top down, so the last one above the step is the lowest.
    package func topProfile(ofRoleAt index: Int) -> String {
        handOffs.last { $0.position > index }?.target ?? profile
    }
}

/// A profile's chain, whole or broken.
package enum ChainWalk: Sendable, Equatable {
    case complete(CredentialChain)
    case broken(BrokenChain)
}

/// A chain that does not resolve: what was found from the profile asked for down to the break, the
/// profile where it breaks, and why.
package struct BrokenChain: Sendable, Equatable {
    /// The profile asked for.
    package var profile: String
    /// The roles found, from the profile asked for downwards (the order of the walk).
    package var roles: [RoleStep]
    /// Helper hand-offs met on the way; `position` counts the roles found before each.
    package var handOffs: [HelperHandOff]
    /// The profile being looked at when the walk stopped.
    package var brokenProfile: String
    package var error: ProfileError

    package init(
        profile: String, roles: [RoleStep], handOffs: [HelperHandOff], brokenProfile: String,
        error: ProfileError
    ) {
        self.profile = profile
        self.roles = roles
        self.handOffs = handOffs
        self.brokenProfile = brokenProfile
        self.error = error
    }
}
