import AwskeyringCore
import CredentialResolution
import HelperSupport
import ProcessControl

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
            StandardError.report(ServerError.notRunByHelper(program: programName))
            return 64
        }
        let environment = ProcessEnvironment.current()
        do {
            switch parsed.verb {
            case "exec" where !parsed.command.isEmpty:
                return try serve(parsed, environment: environment)
            case "login":
                try login(parsed, environment: environment)
                return 0
            default:
                throw ServerError.unknownCommand(program: programName)
            }
        } catch {
            StandardError.report(error)
            return 1
        }
    }

    /// `exec --server`: the endpoint serves the credentials, renewed as they near expiry, while COMMAND
    /// runs.
    static func serve(_ arguments: Arguments, environment: [String: String]) throws -> Int32 {
        let selection = ProfileSelection(option: arguments.profile)
        let profile = selection.profile(environment: environment)
        let files = try CommandContext.live(environment: environment).configFiles()
        // Before any thread starts (the Secret Service client starts some): a signal meant for the
        // command must not land in a thread that has it unblocked.
        ChildSupervisor.blockSignals()
        // Others can connect to the endpoint: connections must not run out of descriptors (the command
        // gets the person's limit back).
        ProcessGuard.raiseDescriptorLimit()
        // What the command leaves running (a daemon, a `cmd &`) holds the endpoint's URL and token: the
        // port stays this process's until all of it has exited, or another user could take the port
        // and answer that process's requests.
        ChildSupervisor.becomeSubreaper()
        let fetch: @Sendable () throws -> AWSCredentials = {
            try CommandContext.live(environment: environment).credentials(selection, files: files)
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
            do {
                return .success(try fetch())
            } catch {
                StandardError.report(ServerError.credentialsUnavailable(profile: profile, error))
                return .failure(error)
            }
        }
        let childEnvironment = ServerChildEnvironment.make(
            environment: environment, profile: profile, files: files, url: endpoint.url, token: token)
        let command = arguments.command
        let result = ChildSupervisor.run(
            command: command[0], arguments: Array(command.dropFirst()), environment: childEnvironment,
            waitForDescendants: true)
        endpoint.close()
        switch result {
        case .success(let status):
            return status
        case .failure(let failure):
            StandardError.report(failure)
            return failure.exitStatus
        }
    }

    /// `login` with a display: the sign-in URL is opened through the one-time redirect.
    static func login(_ arguments: Arguments, environment: [String: String]) throws {
        let context = CommandContext.live(environment: environment)
        let selection = ProfileSelection(option: arguments.profile)
        let provider = context.credentialProvider(files: try context.configFiles(), selection: selection)
        let url = try ConsoleLogin(provider: provider).signInURL(
            profile: context.profile(selection),
            destination: arguments.destination, duration: arguments.duration ?? 3600)
        try SignInRedirect.open(url, environment: environment)
    }
}
