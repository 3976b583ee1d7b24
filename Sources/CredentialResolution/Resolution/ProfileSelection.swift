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
    /// call. Anything else, including every error, is nil: the full parser handles it.
    package static func plainCall(_ arguments: [String]) -> ProfileSelection? {
        var rest = arguments[...]
        if rest.first == "credentials" { rest = rest.dropFirst() }
        switch rest.count {
        case 0:
            return ProfileSelection(option: nil)
        case 1 where rest[rest.startIndex].hasPrefix("--profile="):
            let profile = String(rest[rest.startIndex].dropFirst("--profile=".count))
            return isValidName(profile) ? ProfileSelection(option: profile) : nil
        case 2 where rest[rest.startIndex] == "--profile":
            let profile = rest[rest.index(after: rest.startIndex)]
            return isValidName(profile) && !profile.hasPrefix("-") ? ProfileSelection(option: profile) : nil
        default:
            return nil
        }
    }
}
