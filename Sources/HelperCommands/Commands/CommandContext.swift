import AWSConfigFile
import AWSQuery
import CredentialResolution
import CredentialValues
import FoundationJSON
import Keyring
import KeyringItems
import SystemAccess
import TerminalAccess
import TextFormats

/// The one place where the parts every command works with are put together: the process environment,
/// the user's Secret Service keyring (with both tiers of the session cache), the libcurl transport, the
/// system clock, the controlling terminal and stderr for notes. Both programs start each command from
/// `live()`, so a command only parses its arguments, asks this for the work, and prints the result.
/// Nothing is opened or read until a command asks: the plain credential_process call pays only for
/// what it uses.
package struct CommandContext: Sendable {
    package var environment: [String: String]
    package var keyring: CredentialKeyring
    /// Reads credential_process and metadata documents (FoundationEssentials).
    package var json: any JSONDecoding
    package var transport: any HTTPTransport
    /// The time, for everything that reads it or waits.
    package var clock: any TimeSource
    /// Opens the controlling terminal when a question must be asked; nil when there is none.
    package var openTerminal: @Sendable () -> (any Terminal)?
    /// Where notes for the person go; never the credential document.
    package var diagnostics: @Sendable (String) -> Void

    package init(
        environment: [String: String], keyring: CredentialKeyring, json: any JSONDecoding,
        transport: any HTTPTransport, clock: any TimeSource,
        openTerminal: @escaping @Sendable () -> (any Terminal)?,
        diagnostics: @escaping @Sendable (String) -> Void
    ) {
        self.environment = environment
        self.keyring = keyring
        self.json = json
        self.transport = transport
        self.clock = clock
        self.openTerminal = openTerminal
        self.diagnostics = diagnostics
    }

    /// The real parts, for the process environment (or the one given).
    package static func live(environment: [String: String] = ProcessEnvironment.current()) -> CommandContext {
        let json = FoundationJSONDecoding()
        return CommandContext(
            environment: environment, keyring: .secretService(json: json), json: json,
            transport: CurlTransport(),
            clock: SystemClock(), openTerminal: { ControllingTerminal.open(clock: SystemClock()) },
            diagnostics: StandardError.write)
    }

    /// The config files the environment names.
    package func configFiles() throws(ConfigError) -> AWSConfigFiles {
        do {
            return try AWSConfigFiles.load(environment: environment)
        } catch {
            throw .unusableFile(error)
        }
    }

    package func profile(_ selection: ProfileSelection) -> String {
        selection.profile(environment: environment)
    }

    /// A profile's credentials as every command that hands them out gets them: the keyring, both tiers
    /// of the session cache, the terminal for an MFA code, and the web identity variables when no
    /// profile was named.
    package func credentialProvider(files: AWSConfigFiles, selection: ProfileSelection) -> CredentialProvider
    {
        var provider = CredentialProvider(
            files: files, keyring: keyring, cache: .standard(keyring: keyring, environment: environment),
            environment: environment, json: json, diagnostics: diagnostics, transport: transport,
            clock: clock,
            openTerminal: openTerminal)
        provider.webIdentityFromEnvironment = selection.webIdentityFromEnvironment
        return provider
    }

    package func credentials(
        _ selection: ProfileSelection, refresh: Bool = false, files: AWSConfigFiles? = nil
    ) throws -> AWSCredentials {
        let loaded: AWSConfigFiles
        if let files { loaded = files } else { loaded = try configFiles() }
        return try credentialProvider(files: loaded, selection: selection)
            .credentials(profile: profile(selection), refresh: refresh)
    }

    /// `env` and `exec`: the variables that hand a profile's credentials to a program.
    package func credentialEnvironment(_ selection: ProfileSelection) throws -> CredentialEnvironment {
        let files = try configFiles()
        let credentials = try credentials(selection, files: files)
        return CredentialEnvironment(
            credentials: credentials, profile: profile(selection), files: files, environment: environment)
    }

    /// `explain`. The keyring is asked only when the chain starts with keys stored in it, and then for
    /// that profile's item alone; an unreachable keyring is shown, not an error.
    package func explanation(_ selection: ProfileSelection) throws -> ProfileExplanation {
        let profile = profile(selection)
        let files = try configFiles()
        var check = ProfileExplanation.KeyringCheck.notNeeded
        if case .complete(let chain) = ProfileResolver(
            files: files, environment: environment,
            webIdentityFromEnvironment: selection.webIdentityFromEnvironment
        ).walk(from: profile), case .keyring(let source, _) = chain.source {
            do throws(KeyringError) {
                // One lookup, not a search of every stored profile.
                let stored = try keyring.hasKeys(profile: source)
                check = .read(profilesWithKeys: stored ? [source] : [])
            } catch {
                check = .unreachable(error)
            }
        }
        return try ProfileExplanation(
            profile: profile, files: files, environment: environment, keyring: check,
            webIdentityFromEnvironment: selection.webIdentityFromEnvironment)
    }

    /// `doctor`: the Secret Service probed now; IAM asked about the stored keys unless `offline`.
    package func doctorChecks(offline: Bool) -> DoctorChecks {
        let health = SecretServiceHealth.probe()
        var doctor = DoctorChecks(health: health, keyring: keyring, environment: environment, clock: clock)
        if !offline { doctor.iamTransport = transport }
        var answers = true
        if case .failed(.noAnswer) = health { answers = false }
        doctor.provider = SecretServiceProvider.identify(probeSessions: answers)?.map { found in
            var provider = found
            provider.version = provider.debianPackage.flatMap {
                DoctorChecks.debianVersion(of: $0, environment: environment, clock: clock)
            }
            return provider
        }
        return doctor
    }

    /// `store`, `remove`, `list`.
    package func keyManager(terminal: (any Terminal)?) -> KeyManager {
        KeyManager(
            keyring: keyring, sessions: .standard(keyring: keyring, environment: environment),
            terminal: terminal,
            diagnostics: diagnostics)
    }

    /// `unlock`, `lock`.
    package func keyringLock(terminal: (any Terminal)?) -> KeyringLock {
        KeyringLock(
            service: CredentialKeyring.secretServiceKeyring(), terminal: terminal, diagnostics: diagnostics)
    }
}

extension CommandContext {
    /// `import --from-aws-vault`: aws-vault's items read from the Secret Service, this context's keyring.
    package func awsVaultImport() -> AwsVaultImport {
        let service = CredentialKeyring.secretServiceKeyring()
        let decoder = FoundationJSONDecoding()
        return AwsVaultImport(
            keyring: keyring,
            items: {
                try service.foreignItems {
                    AwsVaultImport.looksLikeAwsVault($0) || AwsVaultImport.isHidden($0)
                }
            },
            json: json, base64: { decoder.base64Decoded($0) }, diagnostics: diagnostics)
    }
}

extension CommandContext {
    /// `rotate` for a profile without keys of its own whose chain starts with another profile's stored
    /// keys (a role's source profile): that profile's name; nil otherwise.
    package func keyHolder(of profile: String) throws -> String? {
        if try keyring.hasKeys(profile: profile) { return nil }
        let files = try configFiles()
        guard let chain = try? ProfileResolver(files: files, environment: environment).chain(for: profile),
            case .keyring(let source, _) = chain.source, source != profile
        else { return nil }
        return source
    }

    /// `rotate`: STS and IAM as the profile's settings say, over this context's transport.
    package func keyRotation(_ profile: String) throws -> KeyRotation {
        let files = try configFiles()
        let sts = try STSConfiguration(profile: profile, files: files, environment: environment)
        let iam = try IAMConfiguration(profile: profile, files: files, environment: environment, sts: sts)
        let connection = QueryConnection(transport: transport, clock: clock)
        return KeyRotation(
            keyring: keyring, iam: IAMClient(configuration: iam, connection: connection),
            sts: STSClient(configuration: sts, connection: connection), diagnostics: diagnostics, clock: clock
        )
    }
}

extension CommandContext {
    /// `clear`: both tiers of the session cache, the Secret Service probed when it runs.
    package func sessionClearing() -> SessionClearing {
        SessionClearing(
            keyring: keyring, sessions: .standard(keyring: keyring, environment: environment),
            environment: environment, health: { SecretServiceHealth.probe() })
    }
}
