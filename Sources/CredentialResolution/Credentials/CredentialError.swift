/// Why a profile's chain, resolved, still gives no credentials at its start.
package enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No keys in the keyring for the profile the chain starts from; `message` says what to do
    /// (store them, or fix a mistyped `source_profile`, with the nearest known names).
    case noKeys(profile: String, message: String)
    /// Only one of `aws_access_key_id` and `aws_secret_access_key` in the profile.
    case incompletePlainTextKeys(profile: String)
    /// `credential_source = Environment` without both key variables.
    case environmentKeysMissing(profile: String)
    /// A web identity chain without an STS configuration (a bug: the plan always makes one).
    case noSTSForWebIdentity

    package var description: String {
        switch self {
        case .noKeys(_, let message): return message
        case .incompletePlainTextKeys(let profile):
            return "profile '\(profile)' has incomplete keys in the credentials file"
        case .environmentKeysMissing(let profile):
            return """
                profile '\(profile)' has credential_source = Environment, but AWS_ACCESS_KEY_ID and \
                AWS_SECRET_ACCESS_KEY are not both set
                """
        case .noSTSForWebIdentity: return "internal error: no STS endpoint was worked out for web identity"
        }
    }
}
