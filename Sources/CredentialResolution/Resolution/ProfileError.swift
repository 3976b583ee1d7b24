import AWSConfigFile

/// A profile whose chain of settings does not resolve to a credential source: a missing or
/// contradictory setting, a loop, a value that is not what it must be. Messages name the profile and
/// the setting to fix.
package enum ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `role_arn` without `source_profile` or `credential_source`.
    case roleWithoutSource(profile: String)
    /// `source_profile` without `role_arn`, and no credentials of the profile's own: botocore uses
    /// source_profile only to assume role_arn.
    case sourceProfileWithoutRole(profile: String, sourceProfile: String)
    /// Both `source_profile` and `credential_source`.
    case sourceProfileAndCredentialSource(profile: String)
    case unknownCredentialSource(profile: String, name: String)
    /// `source_profile`s lead back to a profile already on the way (`cycle` is "a -> b -> a").
    case sourceProfileLoop(cycle: String)
    /// credential_process commands running this helper lead back to a profile already on the way.
    case helperLoop(cycle: String, profile: String, target: String)
    /// A credential_process runs this helper with an argument other than `--profile NAME`.
    case helperArgument(profile: String, argument: String)
    /// A web identity token file without a role to assume.
    case webIdentityWithoutRole(profile: String)
    case invalidRoleARN(profile: String, arn: String)
    /// A profile setting out of range (e.g. `duration_seconds`).
    case invalid(ConfigError)
    /// `source_profile` names a profile in neither file (shown by `explain`; the keyring may still
    /// hold keys under that name, so resolving it fails at the keyring instead).
    case sourceProfileNotFound(String, namedBy: String)

    package var description: String {
        switch self {
        case .roleWithoutSource(let profile):
            return """
                profile '\(profile)' has role_arn but neither source_profile nor credential_source: \
                add 'source_profile = NAME' naming the profile whose keys assume the role
                """
        case .sourceProfileWithoutRole(let profile, let sourceProfile):
            return """
                profile '\(profile)' has source_profile = \(sourceProfile) but no role_arn: source_profile only \
                gives the keys to assume role_arn with; add 'role_arn = arn:aws:iam::ACCOUNT:role/NAME' to \
                profile '\(profile)', or use profile '\(sourceProfile)' itself
                """
        case .sourceProfileAndCredentialSource(let profile):
            return """
                profile '\(profile)' has both source_profile and credential_source; keep only one \
                (botocore refuses such a profile too)
                """
        case .unknownCredentialSource(let profile, let name):
            return """
                profile '\(profile)': credential_source = \(name) is not one of Environment, \
                Ec2InstanceMetadata, EcsContainer
                """
        case .sourceProfileLoop(let cycle):
            return "source_profile loop: \(cycle); break the cycle in your AWS config"
        case .helperLoop(let cycle, let profile, let target):
            return """
                credential_process loop: \(cycle) (profile '\(profile)' runs awskeyring-helper \
                for '\(target)', which leads back to it); break the cycle in your AWS config
                """
        case .helperArgument(let profile, let argument):
            return """
                profile '\(profile)': credential_process runs awskeyring-helper with '\(argument)'; a \
                credential_process should be 'awskeyring-helper --profile NAME'
                """
        case .webIdentityWithoutRole(let profile):
            return """
                profile '\(profile)' has a web identity token file but no role to assume: set role_arn in \
                the profile (or AWS_ROLE_ARN)
                """
        case .invalidRoleARN(let profile, let arn):
            return """
                profile '\(profile)': role_arn '\(arn)' is not an IAM role ARN \
                (arn:aws:iam::123456789012:role/NAME)
                """
        case .invalid(let error): return error.description
        case .sourceProfileNotFound(let name, let namedBy):
            return "source_profile '\(name)' of profile '\(namedBy)' does not exist"
        }
    }
}
