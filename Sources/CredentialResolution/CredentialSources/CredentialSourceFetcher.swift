import AWSConfigFile
import AWSQuery
import CredentialValues
import SystemAccess
import TextFormats

/// One kind of source of a chain's first credentials. `CredentialSource` (what the resolver found in the
/// config) names the kind; each kind fetches its credentials here, so adding a kind is one more
/// conforming type, not one more branch in the provider.
package protocol CredentialSourceFetcher {
    /// The credentials, for the chain and plan being worked on, with what the provider holds (files,
    /// keyring, environment, transport, clock, notes).
    func credentials(for chain: CredentialChain, plan: CredentialPlan, provider: CredentialProvider)
        throws -> AWSCredentials
}

extension CredentialSource {
    /// The fetcher for this kind of source.
    package var fetcher: any CredentialSourceFetcher {
        switch self {
        case .keyring(let profile, let inConfig):
            return KeyringKeysFetcher(profile: profile, inConfig: inConfig)
        case .plainTextKeys(let profile): return PlainTextKeysFetcher(profile: profile)
        case .environment(let profile): return EnvironmentKeysFetcher(profile: profile)
        case .instanceMetadata(let profile): return InstanceMetadataFetcher(profile: profile)
        case .containerEndpoint(let profile): return ContainerEndpointFetcher(profile: profile)
        case .process(let profile, let command):
            return CredentialProcessFetcher(profile: profile, command: command)
        case .webIdentity(let source): return source
        }
    }
}

/// Long-lived keys stored in the keyring.
struct KeyringKeysFetcher: CredentialSourceFetcher {
    var profile: String
    var inConfig: Bool

    func credentials(for chain: CredentialChain, plan: CredentialPlan, provider: CredentialProvider)
        throws -> AWSCredentials
    {
        guard let keys = try provider.keyring.keys(profile: profile) else {
            // The failure path only: the keyring's list of names is not read on a good call.
            let stored = inConfig ? [] : ((try? provider.keyring.profilesWithKeys()) ?? [])
            throw CredentialError.noKeys(
                profile: profile,
                message: CredentialProvider.missingKeysMessage(
                    profile: profile, inConfig: inConfig, files: provider.files,
                    sourceProfileOf: chain.missingSourceProfileOf, storedProfiles: stored))
        }
        return keys.credentials
    }
}

/// Keys written in plain text in the credentials or config file (with a note to move them).
struct PlainTextKeysFetcher: CredentialSourceFetcher {
    var profile: String

    func credentials(for chain: CredentialChain, plan: CredentialPlan, provider: CredentialProvider)
        throws -> AWSCredentials
    {
        let settings = provider.files.profiles[profile] ?? [:]
        guard let id = settings.value("aws_access_key_id"),
            let secret = settings.value("aws_secret_access_key")
        else {
            throw CredentialError.incompletePlainTextKeys(profile: profile)
        }
        provider.diagnostics(
            """
            note: profile '\(profile)' keeps its keys in plain text; move them into the keyring with \
            'awskeyring-helper store --profile \(ShellQuoting.word(profile))' and delete them from the file
            """)
        return AWSCredentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: settings.value("aws_session_token"))
    }
}

/// `credential_source = Environment`.
struct EnvironmentKeysFetcher: CredentialSourceFetcher {
    var profile: String

    func credentials(for chain: CredentialChain, plan: CredentialPlan, provider: CredentialProvider)
        throws -> AWSCredentials
    {
        let environment = provider.environment
        guard let id = environment["AWS_ACCESS_KEY_ID"].flatMap({ $0.isEmpty ? nil : $0 }),
            let secret = environment["AWS_SECRET_ACCESS_KEY"].flatMap({ $0.isEmpty ? nil : $0 })
        else {
            throw CredentialError.environmentKeysMissing(profile: profile)
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token)
    }
}

/// `credential_source = Ec2InstanceMetadata`.
struct InstanceMetadataFetcher: CredentialSourceFetcher {
    var profile: String

    func credentials(for chain: CredentialChain, plan: CredentialPlan, provider: CredentialProvider)
        throws -> AWSCredentials
    {
        try InstanceMetadataSource(
            profile: chain.profile, files: provider.files, environment: provider.environment
        )
        .fetch(profile: profile, transport: provider.transport, json: provider.json)
    }
}

/// `credential_source = EcsContainer`.
struct ContainerEndpointFetcher: CredentialSourceFetcher {
    var profile: String

    func credentials(for chain: CredentialChain, plan: CredentialPlan, provider: CredentialProvider)
        throws -> AWSCredentials
    {
        try ContainerEndpointSource(profile: profile, environment: provider.environment)
            .fetch(
                profile: profile, transport: provider.transport, clock: provider.clock, json: provider.json)
    }
}

/// A source profile's own `credential_process`.
struct CredentialProcessFetcher: CredentialSourceFetcher {
    var profile: String
    var command: String

    func credentials(for chain: CredentialChain, plan: CredentialPlan, provider: CredentialProvider)
        throws -> AWSCredentials
    {
        try CredentialProcessSource(profile: profile, command: command)
            .fetch(
                environment: HelperCallChain.environment(for: chain, from: provider.environment),
                clock: provider.clock, json: provider.json)
    }
}

/// AssumeRoleWithWebIdentity with the token file's current token.
extension WebIdentitySource: CredentialSourceFetcher {
    package func credentials(for chain: CredentialChain, plan: CredentialPlan, provider: CredentialProvider)
        throws -> AWSCredentials
    {
        guard let configuration = plan.sourceSTS else {
            throw CredentialError.noSTSForWebIdentity
        }
        let sts = STSClient(configuration: configuration, connection: provider.stsConnection)
        return try sts.assumeRoleWithWebIdentity(
            roleArn: roleArn,
            sessionName: sessionName
                ?? CredentialProvider.defaultSessionName(now: provider.clock.epochSeconds),
            webIdentityToken: try token(), durationSeconds: durationSeconds
        ).credentials
    }

    /// The token, read afresh each time: the platform replaces the file before the token expires.
    func token() throws(CredentialSourceError) -> String {
        let bytes: [UInt8]?
        do {
            bytes = try ConfigFileAccess.readFile(atPath: tokenFile)
        } catch {
            throw .webIdentityTokenUnreadable(profile: profile, error)
        }
        guard let bytes else {
            throw .webIdentityTokenMissing(profile: profile, path: tokenFile)
        }
        let token = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        guard !token.isEmpty else {
            throw .webIdentityTokenEmpty(profile: profile, path: tokenFile)
        }
        return token
    }
}
