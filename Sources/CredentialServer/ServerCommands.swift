import AWSConfigFile
import AwskeyringCore
import CredentialResolution
import HelperSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The commands of `awskeyring-helper-server`, the program `awskeyring-helper` hands over to (with
/// `exec`, keeping its process id) for `exec --server` and for `login` when it opens a browser. They are
/// a program of their own so that SwiftNIO never loads with `awskeyring-helper`, which every SDK call
/// starts: linked in, it made that program a quarter larger and its start-up an eighth slower.
///
/// `awskeyring-helper` has checked the arguments; they arrive in one fixed form:
/// `exec [--profile P] -- COMMAND [ARGS...]` and `login [--profile P] [--destination URL] --duration N`.
package enum ServerCommands {
    /// The program's name, next to `awskeyring-helper` in the same directory.
    package static let programName = "awskeyring-helper-server"

    struct Arguments: Equatable {
        var verb: String
        var profile: String?
        var destination: String?
        var duration: Int?
        var command: [String] = []
    }

    static func parse(_ arguments: [String]) -> Arguments? {
        guard let verb = arguments.first else { return nil }
        var parsed = Arguments(verb: verb)
        var rest = arguments.dropFirst()
        while let word = rest.first {
            rest = rest.dropFirst()
            if word == "--" {
                parsed.command = Array(rest)
                break
            }
            guard let value = rest.first else { return nil }
            rest = rest.dropFirst()
            switch word {
            case "--profile": parsed.profile = value
            case "--destination": parsed.destination = value
            case "--duration":
                guard let duration = Int(value) else { return nil }
                parsed.duration = duration
            default: return nil
            }
        }
        return parsed
    }

    /// Runs a command line; returns the exit status.
    package static func main(_ arguments: [String]) -> Int32 {
        guard let parsed = parse(arguments) else {
            StandardError.report(
                HelperError(
                    "\(programName) is run by awskeyring-helper (exec --server, login); use those commands"))
            return 64
        }
        let environment = ProcessEnvironment.current()
        do throws(HelperError) {
            switch parsed.verb {
            case "exec" where !parsed.command.isEmpty:
                return try serve(parsed, environment: environment)
            case "login":
                try login(parsed, environment: environment)
                return 0
            default:
                throw HelperError("\(programName): unknown command; it is run by awskeyring-helper")
            }
        } catch {
            StandardError.report(error)
            return 1
        }
    }

    /// A profile's credentials as every command gets them (the Secret Service, both cache tiers, the
    /// terminal for an MFA code, web identity variables when no profile was named).
    static func provider(profileOption: String?, environment: [String: String], files: AWSConfigFiles)
        -> CredentialProvider
    {
        let keyring = CredentialKeyring.secretService()
        var provider = CredentialProvider(
            files: files, keyring: keyring, cache: .standard(keyring: keyring, environment: environment),
            environment: environment, diagnostics: StandardError.write)
        provider.webIdentityFromEnvironment = profileOption == nil
        return provider
    }

    static func loadFiles(environment: [String: String]) throws(HelperError) -> AWSConfigFiles {
        do {
            return try AWSConfigFiles.load(environment: environment)
        } catch {
            throw HelperError("cannot use \(error.description)")
        }
    }

    static func resolvedProfile(_ option: String?, environment: [String: String]) -> String {
        if let option { return option }
        if let fromEnvironment = environment["AWS_PROFILE"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "default"
    }

    /// `exec --server`: the endpoint serves the credentials, renewed as they near expiry, while COMMAND
    /// runs.
    static func serve(_ arguments: Arguments, environment: [String: String]) throws(HelperError) -> Int32 {
        let profileOption = arguments.profile
        let profile = resolvedProfile(profileOption, environment: environment)
        let files = try loadFiles(environment: environment)
        // Before any thread starts (the Secret Service client starts some): a signal meant for the
        // command must not land in a thread that has it unblocked.
        ChildSupervisor.blockSignals()
        let fetch: @Sendable () throws(HelperError) -> AWSCredentials = {
            try provider(profileOption: profileOption, environment: environment, files: files)
                .credentials(profile: profile)
        }
        // awskeyring-helper fetched them (and asked for any MFA code) before it became this program, so a
        // failure has already stopped the command from starting, and requests find them in the cache.
        let competing = ServerChildEnvironment.competingDefaultSettings(files: files)
        if !competing.isEmpty {
            StandardError.write(
                """
                awskeyring-helper: note: profile 'default' sets \(competing.joined(separator: ", ")); SDKs in \
                the command take those before the credentials endpoint
                """)
        }

        let token = AuthorizationToken.random()
        let endpoint = try ContainerCredentialsEndpoint(token: token) {
            do throws(HelperError) {
                return .success(try fetch())
            } catch {
                StandardError.report(
                    HelperError("cannot hand out credentials of profile '\(profile)': \(error.message)"))
                return .failure(error)
            }
        }
        let childEnvironment = ServerChildEnvironment.make(
            environment: environment, profile: profile, files: files, url: endpoint.url, token: token)
        let command = arguments.command
        let result = ChildSupervisor.run(
            command: command[0], arguments: Array(command.dropFirst()), environment: childEnvironment)
        endpoint.close()
        switch result {
        case .success(let status):
            return status
        case .failure(let failure):
            StandardError.report(HelperError(failure.message))
            return failure.exitStatus
        }
    }

    /// `login` with a display: the sign-in URL is opened through the one-time redirect.
    static func login(_ arguments: Arguments, environment: [String: String]) throws(HelperError) {
        let files = try loadFiles(environment: environment)
        let provider = provider(profileOption: arguments.profile, environment: environment, files: files)
        let url = try ConsoleLogin(provider: provider).signInURL(
            profile: resolvedProfile(arguments.profile, environment: environment),
            destination: arguments.destination, duration: arguments.duration ?? 3600)
        try SignInRedirect.open(url, environment: environment)
    }
}
