/// Works out a profile's `CredentialChain` from the config files, following botocore's rules for
/// `role_arn`, `source_profile` and `credential_source`. It reads no secrets and calls no service.
public struct ProfileResolver: Sendable {
    public let files: AWSConfigFiles

    public init(files: AWSConfigFiles) {
        self.files = files
    }

    public func chain(for profile: String) throws(HelperError) -> CredentialChain {
        var roles: [RoleStep] = []
        var visited: [String] = []
        var current = profile
        while true {
            guard let settings = files.profiles[current] else {
                // No section at all: the keys may still be in the keyring under this name.
                return CredentialChain(
                    profile: profile, source: .keyring(profile: current, inConfig: false),
                    roles: roles.reversed())
            }
            visited.append(current)
            let roleArn = settings.value("role_arn")
            let isRole = roleArn != nil && !(current != profile && hasPlainTextKeys(settings))
            guard isRole, let roleArn else {
                return CredentialChain(
                    profile: profile, source: source(of: current, settings), roles: roles.reversed())
            }
            roles.append(try roleStep(profile: current, roleArn: roleArn, settings: settings))

            let sourceProfile = settings.value("source_profile")
            let credentialSource = settings.value("credential_source")
            switch (sourceProfile, credentialSource) {
            case (nil, nil):
                throw HelperError(
                    """
                    profile '\(current)' has role_arn but neither source_profile nor credential_source: \
                    add 'source_profile = NAME' naming the profile whose keys assume the role
                    """)
            case (.some, .some):
                throw HelperError(
                    """
                    profile '\(current)' has both source_profile and credential_source; keep only one \
                    (botocore refuses such a profile too)
                    """)
            case (nil, .some(let name)):
                guard name == "Environment" else {
                    if ["Ec2InstanceMetadata", "EcsContainer"].contains(name) {
                        throw HelperError(
                            "profile '\(current)': credential_source = \(name) is not supported yet")
                    }
                    throw HelperError(
                        """
                        profile '\(current)': credential_source = \(name) is not one of Environment, \
                        Ec2InstanceMetadata, EcsContainer
                        """)
                }
                return CredentialChain(
                    profile: profile, source: .environment(profile: current), roles: roles.reversed())
            case (.some(let next), nil):
                if next == current {
                    // A profile may name itself to take its own keys (botocore allows this only with
                    // keys written in the profile; keys in the keyring count the same here).
                    let source: CredentialSource =
                        hasPlainTextKeys(settings)
                        ? .plainTextKeys(profile: current) : .keyring(profile: current, inConfig: true)
                    return CredentialChain(profile: profile, source: source, roles: roles.reversed())
                }
                if let loopStart = visited.firstIndex(of: next) {
                    let cycle = (visited[loopStart...] + [next]).joined(separator: " -> ")
                    throw HelperError("source_profile loop: \(cycle); break the cycle in your AWS config")
                }
                current = next
            }
        }
    }

    /// The source of a profile that assumes no role itself.
    private func source(of profile: String, _ settings: ConfigSettings) -> CredentialSource {
        hasPlainTextKeys(settings)
            ? .plainTextKeys(profile: profile) : .keyring(profile: profile, inConfig: true)
    }

    private func hasPlainTextKeys(_ settings: ConfigSettings) -> Bool {
        settings.value("aws_access_key_id") != nil && settings.value("aws_secret_access_key") != nil
    }

    private func roleStep(profile: String, roleArn: String, settings: ConfigSettings) throws(HelperError)
        -> RoleStep
    {
        guard RoleARN.isValid(roleArn) else {
            throw HelperError(
                """
                profile '\(profile)': role_arn '\(roleArn)' is not an IAM role ARN \
                (arn:aws:iam::123456789012:role/NAME)
                """)
        }
        var duration: Int?
        if let text = settings.value("duration_seconds") {
            guard let seconds = Int(text), (900...43200).contains(seconds) else {
                throw HelperError(
                    "profile '\(profile)': duration_seconds = \(text) must be a whole number from 900 to 43200"
                )
            }
            duration = seconds
        }
        return RoleStep(
            profile: profile,
            roleArn: roleArn,
            externalId: settings.value("external_id"),
            sessionName: settings.value("role_session_name"),
            durationSeconds: duration,
            mfaSerial: settings.value("mfa_serial")
        )
    }
}

/// IAM role ARNs: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
enum RoleARN {
    static func isValid(_ arn: String) -> Bool {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam",
            parts[3].isEmpty,
            parts[4].count == 12, parts[4].allSatisfy(\.isNumber), parts[5].hasPrefix("role/")
        else { return false }
        let name = parts[5].dropFirst("role/".count)
        return !name.isEmpty && !name.hasSuffix("/")
    }
}

extension ConfigSettings {
    /// A plain, non-empty string setting.
    func value(_ key: String) -> String? {
        guard case .string(let value)? = self[key], !value.isEmpty else { return nil }
        return value
    }
}
