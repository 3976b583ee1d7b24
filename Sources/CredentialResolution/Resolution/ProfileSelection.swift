/// Which profile a command works on, decided here for every way of asking: `--profile` given to a
/// command (through the argument parser or the start-up fast path), a `credential_process` that runs
/// this helper, and `exec --server` / `login` in the server program. As in botocore: the name given,
/// else `AWS_PROFILE`, else `default`.
package struct ProfileSelection: Sendable, Equatable {
    /// The name given with `--profile`; nil when none was.
    package var option: String?

    package init(option: String?) {
        self.option = option
    }

    /// The profile asked for. An empty name counts as none (the parser refuses `--profile ''` before
    /// this is asked).
    package func profile(environment: [String: String]) -> String {
        if let option, !option.isEmpty { return option }
        if let fromEnvironment = environment["AWS_PROFILE"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "default"
    }

    /// botocore takes web identity settings from `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN` and
    /// `AWS_ROLE_SESSION_NAME` only when no profile was named.
    package var webIdentityFromEnvironment: Bool { option == nil }

    /// A name `--profile` accepts.
    package static func isValidName(_ profile: String) -> Bool {
        !profile.isEmpty && !profile.contains(where: \.isNewline)
    }

    /// The selection of a plain credential_process call (`[credentials] [--profile P]`), recognised
    /// without swift-argument-parser, whose reflection-based set-up costs as much as the whole cached
    /// call. Anything else (`--refresh`, a name the parser refuses, every error) is nil: the full parser
    /// handles it.
    package static func plainCall(_ arguments: [String]) -> ProfileSelection? {
        guard case .success(let call) = CredentialCallArguments.read(arguments), !call.refresh else {
            return nil
        }
        if let name = call.selection.option, !isValidName(name) || name.hasPrefix("-") { return nil }
        return call.selection
    }
}

/// The arguments of a credential call, `[credentials]` then `--profile P`, `--profile=P` and `--refresh`
/// (the last `--profile` wins, as with the argument parser), read the same way wherever they appear: on
/// this program's command line (the start-up fast path) and in a `credential_process` that runs this
/// helper.
package struct CredentialCallArguments: Sendable, Equatable {
    package var selection: ProfileSelection
    package var refresh: Bool

    /// The first argument that is not part of a credential call (`--profile` with nothing after it too).
    package struct Unexpected: Error, Sendable, Equatable {
        package var argument: String
    }

    package static func read(_ arguments: [String]) -> Result<Self, Unexpected> {
        var rest = arguments[...]
        if rest.first == "credentials" { rest = rest.dropFirst() }
        var call = Self(selection: ProfileSelection(option: nil), refresh: false)
        while let argument = rest.popFirst() {
            if argument == "--profile", let name = rest.popFirst() {
                call.selection.option = name
            } else if argument.hasPrefix("--profile=") {
                call.selection.option = String(argument.dropFirst("--profile=".count))
            } else if argument == "--refresh" {
                call.refresh = true
            } else {
                return .failure(Unexpected(argument: argument))
            }
        }
        return .success(call)
    }
}
