import AWSConfigFile
import SystemAccess

/// Works out a profile's `CredentialChain` from the config files, following botocore's rules for
/// `role_arn`, `source_profile`, `credential_source`, `web_identity_token_file` and a source profile's
/// `credential_process`. It reads no secrets and calls no service.
package struct ProfileResolver: Sendable {
    package let files: AWSConfigFiles
    /// Names the default profile of a `credential_process` that runs this helper without `--profile`,
    /// and holds the web identity variables.
    package var environment: [String: String]
    /// Whether the profile asked for takes `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN` and
    /// `AWS_ROLE_SESSION_NAME` from the environment. botocore uses them unless the profile was named
    /// explicitly (the CLI's `--profile`), and never for source profiles.
    package var webIdentityFromEnvironment: Bool
    /// The running executable, so a `credential_process` naming this helper by its path is recognised.
    package var executablePath: String?

    package init(
        files: AWSConfigFiles, environment: [String: String] = [:], webIdentityFromEnvironment: Bool = false,
        executablePath: String? = CurrentExecutable.path
    ) {
        self.files = files
        self.environment = environment
        self.webIdentityFromEnvironment = webIdentityFromEnvironment
        self.executablePath = executablePath
    }

    package func chain(for profile: String) throws(ProfileError) -> CredentialChain {
        switch walk(from: profile) {
        case .complete(let chain): return chain
        case .broken(let broken): throw broken.error
        }
    }

    /// The chain of `profile`, or as much of it as resolves and where and why it breaks (for `explain`,
    /// which shows a broken chain up to the break).
    package func walk(from profile: String) -> ChainWalk {
        var state = WalkState(current: profile)
        do throws(ProfileError) {
            return .complete(try resolve(profile, &state))
        } catch {
            return .broken(
                BrokenChain(
                    profile: profile, roles: state.roles,
                    handOffs: state.handOffs.map {
                        HelperHandOff(profile: $0.profile, target: $0.target, position: $0.rolesAbove)
                    }, brokenProfile: state.current, error: error))
        }
    }

    /// What a walk has found so far: roles from the profile asked for downwards, the helper hand-offs
    /// (with the number of roles found above each), and the profile being looked at.
    private struct WalkState {
        var roles: [RoleStep] = []
        var handOffs: [(profile: String, target: String, rolesAbove: Int)] = []
        var current: String
    }

    private func resolve(_ profile: String, _ state: inout WalkState) throws(ProfileError) -> CredentialChain
    {
        var visited: [String] = []
        // The profile asked for, or one named by this helper's own credential_process: botocore looks
        // at such a profile as the top of a resolution (a role wins over keys written in it).
        var topLevel = true
        var useEnvironment = webIdentityFromEnvironment
        // The profile whose source_profile led to the current one.
        var namedBySourceProfileOf: String?

        func finish(_ source: CredentialSource) -> CredentialChain {
            let roles = state.roles
            var chain = CredentialChain(
                profile: profile, source: source, roles: roles.reversed(),
                handOffs: state.handOffs.map {
                    HelperHandOff(
                        profile: $0.profile, target: $0.target, position: roles.count - $0.rolesAbove)
                })
            if case .keyring(_, false) = source { chain.missingSourceProfileOf = namedBySourceProfileOf }
            return chain
        }

        while true {
            let settings = files.profiles[state.current]
            let environmentWebIdentity =
                useEnvironment ? try webIdentity(state.current, settings ?? [:], withEnvironment: true) : nil
            useEnvironment = false
            guard let settings else {
                if let environmentWebIdentity { return finish(.webIdentity(environmentWebIdentity)) }
                // No section at all: the keys may still be in the keyring under this name.
                return finish(.keyring(profile: state.current, inConfig: false))
            }
            visited.append(state.current)
            let step: Step
            if let roleArn = assumedRole(settings, topLevel: topLevel) {
                state.roles.append(try roleStep(profile: state.current, roleArn: roleArn, settings: settings))
                step = try roleSource(state.current, settings, visited: visited)
            } else {
                step = try ownSource(
                    state.current, settings, environmentWebIdentity: environmentWebIdentity,
                    topLevel: topLevel,
                    visited: visited)
            }
            switch step {
            case .finish(let source):
                return finish(source)
            case .handOff(let target):
                state.handOffs.append((state.current, target, state.roles.count))
                namedBySourceProfileOf = nil
                state.current = target
                topLevel = true
            case .sourceProfile(let next):
                namedBySourceProfileOf = state.current
                state.current = next
                topLevel = false
            }
        }
    }

    /// Where a walk goes after one profile.
    private enum Step {
        /// The chain ends here, with this source of credentials.
        case finish(CredentialSource)
        /// The profile's credential_process runs this helper for another profile, looked at as a top.
        case handOff(String)
        /// The profile's role is assumed with the credentials of its source_profile.
        case sourceProfile(String)
    }

    /// The role a profile assumes, if it is a role profile: `role_arn` without a web identity token file,
    /// and (below the top) without keys of its own, which win over the role there, as in botocore.
    private func assumedRole(_ settings: ConfigSettings, topLevel: Bool) -> String? {
        guard let roleArn = settings.value("role_arn"), settings.value("web_identity_token_file") == nil,
            topLevel || !hasPlainTextKeys(settings)
        else { return nil }
        return roleArn
    }

    /// A profile without a role to assume: web identity, its own keys, a credential_process (this
    /// helper for another profile, or another program), or the keyring.
    private func ownSource(
        _ profile: String, _ settings: ConfigSettings, environmentWebIdentity: WebIdentitySource?,
        topLevel: Bool, visited: [String]
    ) throws(ProfileError) -> Step {
        if let web = environmentWebIdentity { return .finish(.webIdentity(web)) }
        if let web = try webIdentity(profile, settings, withEnvironment: false) {
            return .finish(.webIdentity(web))
        }
        if hasPlainTextKeys(settings) { return .finish(.plainTextKeys(profile: profile)) }
        if let command = settings.value("credential_process") {
            if let target = try HelperInvocation.target(
                of: command, profile: profile, executablePath: executablePath, environment: environment)
            {
                if target == profile {
                    return .finish(.keyring(profile: profile, inConfig: true))
                }
                if visited.contains(target) {
                    let cycle = (visited + [target]).joined(separator: " -> ")
                    throw .helperLoop(cycle: cycle, profile: profile, target: target)
                }
                return .handOff(target)
            }
            // The profile asked for runs its credential_process only through the SDK (most likely
            // this helper behind a wrapper); a source profile's command is run to get its keys.
            if !topLevel { return .finish(.process(profile: profile, command: command)) }
        } else if let sourceProfile = settings.value("source_profile") {
            throw .sourceProfileWithoutRole(profile: profile, sourceProfile: sourceProfile)
        }
        return .finish(.keyring(profile: profile, inConfig: true))
    }

    /// Where a role profile's credentials come from: its `source_profile` or its `credential_source`.
    private func roleSource(_ profile: String, _ settings: ConfigSettings, visited: [String])
        throws(ProfileError)
        -> Step
    {
        let sourceProfile = settings.value("source_profile")
        let credentialSource = settings.value("credential_source")
        switch (sourceProfile, credentialSource) {
        case (nil, nil):
            throw .roleWithoutSource(profile: profile)
        case (.some, .some):
            throw .sourceProfileAndCredentialSource(profile: profile)
        case (nil, .some(let name)):
            switch name {
            case "Environment": return .finish(.environment(profile: profile))
            case "Ec2InstanceMetadata": return .finish(.instanceMetadata(profile: profile))
            case "EcsContainer": return .finish(.containerEndpoint(profile: profile))
            default:
                throw .unknownCredentialSource(profile: profile, name: name)
            }
        case (.some(let next), nil):
            if next == profile {
                // A profile may name itself to take its own keys (botocore allows this only with
                // keys written in the profile; keys in the keyring count the same here).
                return .finish(
                    hasPlainTextKeys(settings)
                        ? .plainTextKeys(profile: profile) : .keyring(profile: profile, inConfig: true))
            }
            if let loopStart = visited.firstIndex(of: next) {
                let cycle = (visited[loopStart...] + [next]).joined(separator: " -> ")
                throw .sourceProfileLoop(cycle: cycle)
            }
            return .sourceProfile(next)
        }
    }

    /// The web identity settings of a profile (with `environment`, the variables first, as botocore
    /// reads them for the profile asked for); nil when there is no token file.
    private func webIdentity(_ profile: String, _ settings: ConfigSettings, withEnvironment: Bool)
        throws(ProfileError) -> WebIdentitySource?
    {
        var fromEnvironment: [String] = []
        func value(_ key: String, _ variable: String) -> String? {
            if withEnvironment, let value = environment[variable], !value.isEmpty {
                fromEnvironment.append(variable)
                return value
            }
            return settings.value(key)
        }
        guard let tokenFile = value("web_identity_token_file", "AWS_WEB_IDENTITY_TOKEN_FILE") else {
            return nil
        }
        guard let roleArn = value("role_arn", "AWS_ROLE_ARN") else {
            throw .webIdentityWithoutRole(profile: profile)
        }
        let step = try roleStep(profile: profile, roleArn: roleArn, settings: settings)
        return WebIdentitySource(
            profile: profile, roleArn: roleArn, tokenFile: tokenFile,
            sessionName: value("role_session_name", "AWS_ROLE_SESSION_NAME"),
            durationSeconds: step.durationSeconds, fromEnvironment: fromEnvironment)
    }

    private func hasPlainTextKeys(_ settings: ConfigSettings) -> Bool {
        settings.value("aws_access_key_id") != nil && settings.value("aws_secret_access_key") != nil
    }

    private func roleStep(profile: String, roleArn: String, settings: ConfigSettings) throws(ProfileError)
        -> RoleStep
    {
        guard RoleARN.isValid(roleArn) else {
            throw .invalidRoleARN(profile: profile, arn: roleArn)
        }
        var duration: Int?
        if let text = settings.value("duration_seconds") {
            guard let seconds = Int(text), (900...43200).contains(seconds) else {
                throw .invalid(
                    .invalidProfileValue(
                        profile: profile, name: "duration_seconds", value: text,
                        expected: "a whole number from 900 to 43200"))
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
        isValidASCII(arn) ?? isValidText(arn)
    }

    /// The check on Swift characters, for any text.
    static func isValidText(_ arn: String) -> Bool {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam",
            parts[3].isEmpty,
            parts[4].count == 12, parts[4].allSatisfy(\.isNumber), parts[5].hasPrefix("role/")
        else { return false }
        let name = parts[5].dropFirst("role/".count)
        return !name.isEmpty && !name.hasSuffix("/")
    }

    /// The same check on the bytes of an ASCII ARN without a carriage return (where each byte is one
    /// character); nil for any other text.
    static func isValidASCII(_ arn: String) -> Bool? {
        let bytes = Array(arn.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) else { return nil }
        let colon = UInt8(ascii: ":")
        var colons: [Int] = []
        for (offset, byte) in bytes.enumerated() where byte == colon {
            colons.append(offset)
            if colons.count == 5 { break }
        }
        guard colons.count == 5 else { return false }
        func part(_ index: Int) -> ArraySlice<UInt8> {
            let start = index == 0 ? 0 : colons[index - 1] + 1
            return bytes[start..<(index == 5 ? bytes.count : colons[index])]
        }
        let account = part(4)
        let resource = part(5)
        guard part(0).elementsEqual("arn".utf8), part(1).starts(with: "aws".utf8),
            part(2).elementsEqual("iam".utf8), part(3).isEmpty,
            account.count == 12, account.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            resource.starts(with: "role/".utf8)
        else { return false }
        return resource.count > 5 && resource.last != UInt8(ascii: "/")
    }
}
