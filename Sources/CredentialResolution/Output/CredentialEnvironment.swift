import AWSConfigFile
import CredentialValues
import TextFormats

/// The environment variables that hand credentials to a program (`exec`) or a shell (`env`): the key
/// pair, the session token and its expiry, and the region, with the variables that would compete with
/// them removed.
package struct CredentialEnvironment: Sendable, Equatable {
    /// Variables to set, in a fixed order.
    package var variables: [(name: String, value: String)]
    /// Variables of the environment to remove, because they would override or contradict the ones set.
    package var removed: [String]

    /// Variables that name another profile or other credentials; an SDK could prefer them.
    package static let conflicting = [
        "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION", "AWS_CREDENTIAL_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    ]

    /// - Parameters:
    ///   - profileRegion: the profile's `region`, used for `AWS_REGION` / `AWS_DEFAULT_REGION` unless the
    ///     environment already sets them (a region chosen in the environment is kept).
    package init(credentials: AWSCredentials, profileRegion: String?, environment: [String: String]) {
        var variables: [(name: String, value: String)] = [
            ("AWS_ACCESS_KEY_ID", credentials.accessKeyId),
            ("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey),
        ]
        if let token = credentials.sessionToken { variables.append(("AWS_SESSION_TOKEN", token)) }
        if let expiration = credentials.expiration {
            variables.append(("AWS_CREDENTIAL_EXPIRATION", Timestamp.format(expiration)))
        }
        func present(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let region = present("AWS_REGION") ?? present("AWS_DEFAULT_REGION") ?? profileRegion
        if let region, !region.isEmpty {
            for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] where present(name) == nil {
                variables.append((name, region))
            }
        }
        let setNames = Set(variables.map(\.name))
        self.variables = variables
        self.removed = Self.conflicting.filter { !setNames.contains($0) && environment[$0] != nil }
    }

    /// The variables for `profile`'s credentials, with the profile's `region` from the config files.
    package init(
        credentials: AWSCredentials, profile: String, files: AWSConfigFiles, environment: [String: String]
    ) {
        self.init(
            credentials: credentials, profileRegion: files.profiles[profile]?.value("region"),
            environment: environment)
    }

    package static func == (lhs: CredentialEnvironment, rhs: CredentialEnvironment) -> Bool {
        lhs.variables.elementsEqual(rhs.variables) { $0 == $1 } && lhs.removed == rhs.removed
    }

    /// `environment` with these variables set and the conflicting ones removed: what `exec` runs with.
    package func applied(to environment: [String: String]) -> [String: String] {
        var result = environment
        for name in removed { result[name] = nil }
        for (name, value) in variables { result[name] = value }
        return result
    }

    /// The shells and formats `env` can write.
    package enum Format: String, Sendable, CaseIterable {
        case sh, fish, json
    }

    /// Text that sets the variables when evaluated by the shell (`eval "$(... env)"`, fish's
    /// `... env --format fish | source`), or one JSON object of them.
    package func text(format: Format) -> String {
        switch format {
        case .sh:
            let unset = removed.isEmpty ? [] : ["unset " + removed.joined(separator: " ")]
            return (variables.map { "export \($0.name)=\(Self.shQuoted($0.value))" } + unset)
                .joined(separator: "\n") + "\n"
        case .fish:
            return
                (variables.map { "set -gx \($0.name) \(Self.fishQuoted($0.value))" }
                + removed.map { "set -e \($0)" })
                .joined(separator: "\n") + "\n"
        case .json:
            return JSONValue.object(variables.map { ($0.name, .string($0.value)) }).text + "\n"
        }
    }

    /// POSIX single quotes: everything literal; a quote is closed, escaped and reopened.
    package static func shQuoted(_ value: String) -> String {
        ShellQuoting.singleQuoted(value)
    }

    /// fish single quotes: only `\\` and `\'` are escapes inside them.
    package static func fishQuoted(_ value: String) -> String {
        "'"
            + ASCIIText.replacingEvery(
                "'", in: ASCIIText.replacingEvery("\\", in: value, with: #"\\"#), with: #"\'"#) + "'"
    }
}

extension CredentialEnvironment {
    /// Settings of the `default` profile that SDKs take before a container credentials endpoint (a
    /// command run with no `AWS_PROFILE` reads `default`): with any of them, such a command would run
    /// under the default profile's identity instead of the endpoint's.
    package static func competingDefaultSettings(files: AWSConfigFiles) -> [String] {
        guard let settings = files.profiles["default"] else { return [] }
        return [
            "aws_access_key_id", "role_arn", "credential_process", "web_identity_token_file", "sso_session",
            "sso_start_url",
        ].filter { settings[$0] != nil }
    }
}

/// `exec --server` refused before the command started.
package enum ServedExecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `default` profile gives credentials that the command's SDKs would take before the endpoint.
    case defaultProfileWins(settings: [String], profile: String)

    package var description: String {
        switch self {
        case .defaultProfileWins(let settings, let profile):
            return """
                exec --server would run the command as profile 'default', not '\(profile)': profile 'default' \
                sets \(settings.joined(separator: ", ")), which the command's SDKs take before the credentials \
                endpoint. Nothing was started. Run it without --server (the keys go into its environment, \
                which SDKs take first), or pass --allow-default-credentials to go on knowing the default \
                profile may win
                """
        }
    }
}
