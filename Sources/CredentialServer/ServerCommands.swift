import CredentialResolution
import CredentialValues
import HelperCommands
import ProcessControl
import SystemAccess

#if canImport(Glibc)
    import Glibc
#endif

/// The work awskeyring-helper-commands hands over to itself (see `ServerHandOver`) for `exec --server`
/// and for `login` when it opens a browser: the credentials endpoint and the sign-in redirect on
/// 127.0.0.1, served with SwiftNIO. awskeyring-helper, which every SDK call starts, links none of it.
package enum ServerCommands {
    /// Serves a hand-over; returns the exit status.
    package static func main(_ handOver: ServerHandOver) -> Int32 {
        let environment = ProcessEnvironment.current()
        do {
            switch handOver {
            case .serve(let profile, let command):
                return try serve(profile: profile, command: command, environment: environment)
            case .openSignIn(let profile, let destination, let duration):
                try login(
                    profile: profile, destination: destination, duration: duration, environment: environment)
                return 0
            }
        } catch {
            StandardError.report(error)
            return 1
        }
    }

    /// `exec --server`: the endpoint serves the credentials, renewed as they near expiry, while COMMAND
    /// runs.
    static func serve(profile option: String?, command: [String], environment: [String: String]) throws
        -> Int32
    {
        let selection = ProfileSelection(option: option)
        let profile = selection.profile(environment: environment)
        let context = CommandContext.live(environment: environment)
        let files = try context.configFiles()
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
            try context.credentials(selection, files: files)
        }
        // The commands' program fetched them (and asked for any MFA code) before it handed over, so a
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
        let endpoint = try ContainerCredentialsEndpoint(token: token, clock: context.clock) {
            do {
                return .success(try fetch())
            } catch {
                StandardError.report(ServerError.credentialsUnavailable(profile: profile, error))
                return .failure(error)
            }
        }
        let childEnvironment = ServerChildEnvironment.make(
            environment: environment, profile: profile, files: files, url: endpoint.url, token: token)
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
    static func login(
        profile option: String?, destination: String?, duration: Int, environment: [String: String]
    )
        throws
    {
        let context = CommandContext.live(environment: environment)
        let selection = ProfileSelection(option: option)
        let provider = context.credentialProvider(files: try context.configFiles(), selection: selection)
        let url = try ConsoleLogin(provider: provider).signInURL(
            profile: context.profile(selection),
            destination: destination, duration: duration)
        try SignInRedirect.open(url, environment: environment)
    }
}
