import AWSQuery
import CredentialResolution
import CredentialValues

/// `login`: a console sign-in URL for a profile. A role profile signs in with its role session (from
/// the cache, or assumed as any call would); long-lived keys first become a federation token, since the
/// federation endpoint takes temporary credentials only.
package struct ConsoleLogin {
    package var provider: CredentialProvider
    /// The issuer the console names on its sign-out page.
    package var issuer = "awskeyring-helper"

    package init(provider: CredentialProvider) {
        self.provider = provider
    }

    /// The credentials for the console, and the `SessionDuration` to ask for (nil where AWS refuses it).
    struct ConsoleSession: Equatable {
        var credentials: AWSCredentials
        var sessionDuration: Int?
        var viaFederationToken: Bool
    }

    /// The sign-in URL for `profile`, landing on `destination` (default: the console home in the
    /// profile's region). `duration` is the console session's length in seconds.
    package func signInURL(profile: String, destination: String?, duration: Int) throws -> String {
        let files = provider.files
        let environment = provider.environment
        let chain = try provider.resolver.chain(for: profile)
        let region =
            environment["AWS_DEFAULT_REGION"].flatMap { $0.isEmpty ? nil : $0 }
            ?? files.profiles[profile]?.value("region")
        let partition = ConsoleSignIn.partition(roleArn: chain.roles.last?.roleArn, region: region)
        let endpoint = try ConsoleSignIn.federationEndpoint(partition: partition, environment: environment)

        let session = try consoleSession(profile: profile, chain: chain, duration: duration)
        let caBundle = try STSConfiguration(profile: profile, files: files, environment: environment).caBundle
        let request = HTTPRequest(
            method: "GET",
            url: ConsoleSignIn.signinTokenURL(
                endpoint: endpoint, credentials: session.credentials, sessionDuration: session.sessionDuration
            ),
            headers: [], body: [])
        // Through HTTPS_PROXY / NO_PROXY as every https request (botocore's rules); plain http goes only
        // to loopback, and never through a proxy.
        let proxy = (try? EndpointURL(endpoint)).flatMap {
            $0.scheme == "https" ? ProxyEnvironment(environment).proxy(for: $0) : nil
        }
        let response: HTTPResponse
        do {
            response = try provider.transport.send(
                request,
                options: TransportOptions(
                    caBundle: caBundle, connectTimeout: 5, totalTimeout: 15, proxy: proxy))
        } catch {
            // The failure's detail comes from libcurl and never holds the URL's query.
            throw ConsoleError.federationUnreachable(endpoint: endpoint, error)
        }
        guard response.status == 200 else {
            throw ConsoleError.federationRefused(
                endpoint: endpoint, profile: profile, status: response.status,
                sessionDurationAsked: session.sessionDuration != nil)
        }
        guard let token = ConsoleSignIn.signinToken(from: response.body) else {
            throw ConsoleError.noSigninToken(endpoint: endpoint)
        }
        return ConsoleSignIn.loginURL(
            endpoint: endpoint, issuer: issuer,
            destination: destination
                ?? ConsoleSignIn.defaultDestination(partition: partition, region: region),
            signinToken: token)
    }

    /// Which credentials sign in, and whether AWS lets this session choose its length.
    func consoleSession(profile: String, chain: CredentialChain, duration: Int) throws
        -> ConsoleSession
    {
        if !chain.roles.isEmpty {
            // AWS refuses SessionDuration for credentials of a role assumed with role credentials.
            let chained = chain.roles.count > 1 || chain.source.givesRoleCredentials
            if !chained && !ConsoleSignIn.roleSessionDurations.contains(duration) {
                throw ConsoleError.roleSessionDuration(ConsoleSignIn.roleSessionDurations)
            }
            let credentials = try provider.credentials(profile: profile)
            return ConsoleSession(
                credentials: credentials, sessionDuration: chained ? nil : duration, viaFederationToken: false
            )
        }

        switch chain.source {
        case .keyring, .plainTextKeys, .environment:
            // Long-lived keys sign in through GetFederationToken, which takes no MFA code: keys whose
            // profile asks for MFA would sign in without it.
            if let withMFA = [profile, chain.profile].first(where: {
                provider.files.profiles[$0]?.value("mfa_serial") != nil
            }) {
                throw ConsoleError.federationTokenCannotCarryMFA(profile: profile, mfaProfile: withMFA)
            }
        case .instanceMetadata, .containerEndpoint, .webIdentity, .process:
            break
        }
        let plan = try CredentialPlan(chain: chain, files: provider.files, environment: provider.environment)
        // The source itself, not an MFA session: GetFederationToken needs an IAM user's long-term keys,
        // and the federation endpoint does not take GetSessionToken credentials.
        let source: AWSCredentials
        switch chain.source {
        case .keyring, .plainTextKeys, .environment:
            source = try provider.sourceCredentials(chain, plan: plan)
        case .instanceMetadata, .containerEndpoint, .webIdentity, .process:
            source = try provider.credentials(profile: profile)
        }
        if source.sessionToken != nil {
            // Temporary credentials already (a role from IMDS or a container, web identity, a process):
            // their console session lasts as AWS decides.
            return ConsoleSession(credentials: source, sessionDuration: nil, viaFederationToken: false)
        }
        guard ConsoleSignIn.federationTokenDurations.contains(duration) else {
            throw ConsoleError.federationTokenDuration(ConsoleSignIn.federationTokenDurations)
        }
        let configuration: STSConfiguration
        if let planned = plan.sts {
            configuration = planned
        } else {
            configuration = try STSConfiguration(
                profile: chain.profile, files: provider.files, environment: provider.environment)
        }
        let sts = STSClient(configuration: configuration, connection: provider.stsConnection)
        let token = try sts.getFederationToken(
            name: ConsoleSignIn.federatedUserName(profile: profile), policy: ConsoleSignIn.allowAllPolicy,
            durationSeconds: duration, with: source)
        return ConsoleSession(credentials: token.credentials, sessionDuration: nil, viaFederationToken: true)
    }
}
