import AWSConfigFile

/// A credential source other than the keyring (`credential_source`, a source profile's
/// `credential_process`, web identity) that gave no credentials. Messages name the profile, the source
/// and what to check; never a token or a secret.
package enum CredentialSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: credential_process

    /// The command ran but did not print a usable Version 1 document; `problem` says how (it never
    /// quotes the output).
    case processDocument(profile: String, problem: String)
    /// A profile being resolved further up the chain of helpers calling one another.
    case processLoop(loop: String, profile: String)
    /// More helpers calling one another than any sensible configuration has.
    case processChainTooDeep(chain: String, maximum: Int)

    // MARK: EcsContainer

    /// Neither container credentials variable is set.
    case containerNotConfigured(profile: String)
    case containerURLInvalid(profile: String, url: String)
    /// Plain http to a host botocore does not allow.
    case containerHostNotAllowed(profile: String, host: String, allowed: [String])
    case containerTokenFileUnreadable(path: String, ConfigFileError)
    case containerTokenFileMissing(path: String)
    /// The token (from `origin`) cannot be sent in a header.
    case containerTokenLineBreak(origin: String)
    /// The endpoint answered 401 or 403.
    case containerRefused(profile: String, url: String, status: Int)
    /// Every attempt failed; `lastProblem` describes the last.
    case containerNoCredentials(profile: String, url: String, lastProblem: String)

    // MARK: Ec2InstanceMetadata

    /// `AWS_EC2_METADATA_DISABLED=true`.
    case metadataDisabled(profile: String)
    /// The setting (or variable) for the metadata endpoint is not a URL.
    case metadataEndpointInvalid(name: String, value: String)
    /// The metadata service answered 401 or 403.
    case metadataRefused(profile: String, endpoint: String, status: Int)
    /// The metadata service gave no credentials; `problem` completes "but ...".
    case metadataUnavailable(
        profile: String, problem: String, endpoint: String, attempts: Int, timeout: Int)

    // MARK: Web identity

    case webIdentityTokenUnreadable(profile: String, ConfigFileError)
    case webIdentityTokenMissing(profile: String, path: String)
    case webIdentityTokenEmpty(profile: String, path: String)

    package var description: String {
        switch self {
        case .processDocument(let profile, let problem):
            return """
                the credential_process of profile '\(profile)' \(problem); it must print \
                {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...} (SessionToken and Expiration \
                optional)
                """
        case .processLoop(let loop, let profile):
            return """
                credential_process loop: \(loop). Profile '\(profile)' is already being resolved by an \
                awskeyring-helper further up, so this call would wait for itself; make the \
                credential_process of the source profile use other keys
                """
        case .processChainTooDeep(let chain, let maximum):
            return """
                credential_process chain too deep: \(chain); \
                more than \(maximum) helpers calling one another is most likely a loop
                """
        case .containerNotConfigured(let profile):
            return """
                profile '\(profile)' has credential_source = EcsContainer, but neither \
                AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set (they \
                are set inside ECS tasks and EKS pods with a role)
                """
        case .containerURLInvalid(let profile, let url):
            return
                "profile '\(profile)': the container credentials URL '\(url)' is not an http:// or https:// URL"
        case .containerHostNotAllowed(let profile, let host, let allowed):
            return """
                profile '\(profile)': the container credentials URL's host '\(host)' is not allowed: over \
                http only a loopback address or one of \(allowed.joined(separator: ", ")) \
                is, otherwise use https (as botocore requires)
                """
        case .containerTokenFileUnreadable(let path, let error):
            return "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(path): \(error.description)"
        case .containerTokenFileMissing(let path):
            return "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names \(path), which does not exist"
        case .containerTokenLineBreak(let origin):
            return
                "the container authorization token (\(origin)) holds a line break, which an HTTP header cannot carry"
        case .containerRefused(let profile, let url, let status):
            return """
                profile '\(profile)' has credential_source = EcsContainer, but the container credentials \
                endpoint \(url) refused the request (HTTP \(status)): check the authorization \
                token (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN)
                """
        case .containerNoCredentials(let profile, let url, let last):
            return """
                profile '\(profile)' has credential_source = EcsContainer, but the container credentials \
                endpoint \(url) gave no credentials: \(last)
                """
        case .metadataDisabled(let profile):
            return """
                profile '\(profile)' has credential_source = Ec2InstanceMetadata, but \
                AWS_EC2_METADATA_DISABLED=true turns the instance metadata service off; unset it, or use \
                another credential_source
                """
        case .metadataEndpointInvalid(let name, let value):
            return "\(name) = \(value) is not an http:// or https:// URL of the metadata service"
        case .metadataRefused(let profile, let endpoint, let status):
            return """
                profile '\(profile)' has credential_source = Ec2InstanceMetadata, but the metadata service \
                \(endpoint) refused the request (HTTP \(status)): \(status == 401
                    ? "it did not accept the IMDSv2 session token"
                    : "access to the instance metadata may be turned off for this instance or container")
                """
        case .metadataUnavailable(let profile, let problem, let endpoint, let attempts, let timeout):
            return """
                profile '\(profile)' has credential_source = Ec2InstanceMetadata, but \(problem) (metadata \
                service \(endpoint), \(attempts) attempt\(attempts == 1 ? "" : "s") of \(timeout) s; \
                raise metadata_service_timeout or metadata_service_num_attempts if it is slow)
                """
        case .webIdentityTokenUnreadable(let profile, let error):
            return "cannot read the web identity token file of profile '\(profile)': \(error.description)"
        case .webIdentityTokenMissing(let profile, let path):
            return """
                the web identity token file \(path) of profile '\(profile)' does not exist; \
                check web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE)
                """
        case .webIdentityTokenEmpty(let profile, let path):
            return "the web identity token file \(path) of profile '\(profile)' is empty"
        }
    }
}
