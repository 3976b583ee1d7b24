/// Produces the credentials for a profile: resolves its chain, takes the source keys, and assumes the
/// roles along the chain.
public struct CredentialProvider {
    public var files: AWSConfigFiles
    public var keyring: CredentialKeyring
    public var environment: [String: String]
    /// Where notes for the person go (stderr); never the credential document.
    public var diagnostics: (String) -> Void

    public init(
        files: AWSConfigFiles, keyring: CredentialKeyring, environment: [String: String],
        diagnostics: @escaping (String) -> Void
    ) {
        self.files = files
        self.keyring = keyring
        self.environment = environment
        self.diagnostics = diagnostics
    }

    public func credentials(profile: String) throws(HelperError) -> AWSCredentials {
        let chain = try ProfileResolver(files: files).chain(for: profile)
        let base = try sourceCredentials(chain.source)
        guard chain.roles.isEmpty else {
            throw HelperError("profile '\(profile)' assumes a role, which this version cannot do yet")
        }
        return base
    }

    func sourceCredentials(_ source: CredentialSource) throws(HelperError) -> AWSCredentials {
        switch source {
        case .keyring(let profile, let inConfig):
            guard let keys = try keyring.keys(profile: profile) else {
                throw HelperError(Self.missingKeysMessage(profile: profile, inConfig: inConfig, files: files))
            }
            return AWSCredentials(accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey)
        case .plainTextKeys(let profile):
            let settings = files.profiles[profile] ?? [:]
            guard let id = settings.value("aws_access_key_id"), let secret = settings.value("aws_secret_access_key")
            else {
                throw HelperError("profile '\(profile)' has incomplete keys in the credentials file")
            }
            diagnostics(
                """
                note: profile '\(profile)' keeps its keys in plain text; move them into the keyring with \
                'awskeyring-helper store --profile \(profile)' and delete them from the file
                """)
            return AWSCredentials(
                accessKeyId: id, secretAccessKey: secret, sessionToken: settings.value("aws_session_token"))
        case .environment(let profile):
            guard let id = environment["AWS_ACCESS_KEY_ID"].flatMap({ $0.isEmpty ? nil : $0 }),
                let secret = environment["AWS_SECRET_ACCESS_KEY"].flatMap({ $0.isEmpty ? nil : $0 })
            else {
                throw HelperError(
                    """
                    profile '\(profile)' has credential_source = Environment, but AWS_ACCESS_KEY_ID and \
                    AWS_SECRET_ACCESS_KEY are not both set
                    """)
            }
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token)
        }
    }

    static func missingKeysMessage(profile: String, inConfig: Bool, files: AWSConfigFiles) -> String {
        if inConfig {
            return """
                no keys are stored in the keyring for profile '\(profile)'; store them with \
                'awskeyring-helper store --profile \(profile)'
                """
        }
        return """
            profile '\(profile)' is not in \(files.configPath) or \(files.credentialsPath), and no keys are \
            stored in the keyring under that name; store them with 'awskeyring-helper store --profile \
            \(profile)', or check the profile name
            """
    }
}
