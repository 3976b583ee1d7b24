import AWSQuery

/// `login` could not get a console sign-in URL.
package enum ConsoleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--duration` outside what the console allows for a role session.
    case roleSessionDuration(ClosedRange<Int>)
    /// `--duration` outside what GetFederationToken allows.
    case federationTokenDuration(ClosedRange<Int>)
    /// Long-lived keys whose profile (`mfaProfile`) has `mfa_serial`: GetFederationToken cannot carry
    /// the MFA code, so the console session would skip the MFA step.
    case federationTokenCannotCarryMFA(profile: String, mfaProfile: String)
    /// `AWSKEYRING_HELPER_FEDERATION_URL` is plain http to another machine.
    case plainHTTPFederationEndpoint(variable: String, value: String)
    /// The federation endpoint URL is not usable.
    case invalidFederationEndpoint(EndpointURLError)
    /// The federation endpoint did not answer (the failure's detail never holds the URL's query).
    case federationUnreachable(endpoint: String, HTTPFailure)
    /// The federation endpoint answered an error status; `sessionDurationAsked` adds a hint for 400.
    case federationRefused(endpoint: String, profile: String, status: Int, sessionDurationAsked: Bool)
    /// The federation endpoint answered without a sign-in token.
    case noSigninToken(endpoint: String)

    package var description: String {
        switch self {
        case .roleSessionDuration(let range):
            return """
                the console allows a role session of \(range.lowerBound) to \
                \(range.upperBound) seconds; choose --duration in that range
                """
        case .federationTokenDuration(let range):
            return """
                a federation token lasts \(range.lowerBound) to \
                \(range.upperBound) seconds; choose --duration in that range
                """
        case .federationTokenCannotCarryMFA(let profile, let mfaProfile):
            return """
                profile '\(mfaProfile)' has mfa_serial, but its long-lived keys sign in to the console through \
                AWS's GetFederationToken, which cannot carry an MFA code, so 'login --profile \(profile)' \
                would skip the MFA step: sign in with a role profile instead (role_arn, source_profile = \
                \(mfaProfile), mfa_serial), which asks for the code
                """
        case .plainHTTPFederationEndpoint(let variable, let value):
            return """
                \(variable) = \(value) is plain http to another machine; the session's secret \
                travels in it, so use https (plain http is allowed only to a loopback address)
                """
        case .invalidFederationEndpoint(let error): return error.description
        case .federationUnreachable(let endpoint, let failure):
            return "cannot reach the AWS federation endpoint \(endpoint): \(failure.description)"
        case .federationRefused(let endpoint, let profile, let status, let durationAsked):
            let hint =
                status == 400 && durationAsked
                ? " (a role that does not allow a console session this long? try a shorter --duration)" : ""
            return """
                the AWS federation endpoint \(endpoint) refused the session of profile '\(profile)' with HTTP \
                \(status)\(hint); check that the role or user may sign in to the console
                """
        case .noSigninToken(let endpoint):
            return "the AWS federation endpoint \(endpoint) answered without a sign-in token; try again later"
        }
    }
}
