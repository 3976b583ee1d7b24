import ArgumentParser
import CredentialResolution
import CredentialServer
import HelperCommands
import ProcessControl
import SystemAccess

extension AwskeyringHelper {
    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exec",
            abstract: "Run a command with a profile's credentials in its environment.",
            discussion: """
                Gets the profile's credentials (as the credentials command does), then replaces itself with \
                COMMAND, which gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, \
                AWS_CREDENTIAL_EXPIRATION and AWS_REGION / AWS_DEFAULT_REGION; AWS_PROFILE and other \
                competing variables are removed. COMMAND's exit status and signals are its own. \
                127: COMMAND was not found; 126: it could not be run.

                  awskeyring-helper exec --profile prod -- aws s3 ls

                With --server, COMMAND gets no keys: a credentials endpoint on 127.0.0.1 (a free port) \
                hands them out, and every AWS SDK in COMMAND fetches them from it and fetches new ones \
                before they expire, so long-running commands (terraform apply, a dev server, a notebook) \
                outlive a role session. COMMAND gets AWS_CONTAINER_CREDENTIALS_FULL_URI and \
                AWS_CONTAINER_AUTHORIZATION_TOKEN (a random token, new each run, only in COMMAND's \
                environment); the endpoint answers only requests that carry it. Credentials come through \
                the same cache, lock and MFA prompt as every call; a refresh that needs an MFA code asks \
                on the terminal. The helper stays COMMAND's parent: it passes signals on, serves until \
                COMMAND and everything it started (a daemon too) have exited, then closes the port and \
                exits with COMMAND's status (128+N when signal N ended it); SIGINT or SIGTERM ends that \
                wait once COMMAND has exited.

                  awskeyring-helper exec --server --profile prod -- terraform apply

                SDKs take a [default] profile's keys, role_arn or credential_process before the endpoint, \
                so with such a profile --server refuses to start COMMAND (it would run as 'default'); \
                --allow-default-credentials starts it anyway.
                """
        )

        @OptionGroup var options: ProfileOptions

        @Flag(help: "Serve refreshing credentials on 127.0.0.1 instead of putting keys in the environment.")
        var server = false

        @Flag(
            help: """
                With --server: start the command even when profile 'default' gives credentials its SDKs \
                would take before the endpoint.
                """)
        var allowDefaultCredentials = false

        @Argument(
            parsing: .captureForPassthrough,
            help: ArgumentHelp("The command to run and its arguments, after --.", valueName: "command"))
        var command: [String] = []

        var commandLine: [String] {
            command.first == "--" ? Array(command.dropFirst()) : command
        }

        func validate() throws {
            if allowDefaultCredentials && !server {
                throw ValidationError("--allow-default-credentials goes with --server")
            }
            // Everything from the first input the parser did not know is captured; before `--`, an option
            // there is a mistake (or a request for help), not the command.
            if let first = command.first, first != "--", first.hasPrefix("-") {
                if ["-h", "--help", "-help"].contains(first) { throw CleanExit.helpRequest(self) }
                throw ValidationError(
                    """
                    unknown option '\(first)' for exec; put the command after --: \
                    exec [--server] --profile P -- COMMAND [ARGS...]
                    """)
            }
            if commandLine.isEmpty {
                throw ValidationError("exec needs a command to run: exec --profile P -- COMMAND [ARGS...]")
            }
        }

        func run() throws {
            if server {
                try runServing()
                return
            }
            var childEnvironment: [String: String] = [:]
            try reportingFailure {
                let context = CommandContext.live()
                childEnvironment = try context.credentialEnvironment(options.selection)
                    .applied(to: context.environment)
            }
            let failure = Processes.replace(commandLine, environment: childEnvironment)
            StandardError.report(failure)
            throw ExitCode(failure.exitStatus)
        }

        /// `--server` is served once this process has the credentials: a missing key fails here, and an
        /// MFA code is asked for with the usual signal handling (Ctrl-C works); the process that serves
        /// then finds them in the cache.
        private func runServing() throws {
            try reportingFailure {
                let context = CommandContext.live()
                let files = try context.configFiles()
                let profile = context.profile(options.selection)
                let competing = CredentialEnvironment.competingDefaultSettings(files: files)
                if !allowDefaultCredentials, profile != "default", !competing.isEmpty {
                    throw ServedExecError.defaultProfileWins(settings: competing, profile: profile)
                }
                _ = try context.credentials(options.selection, files: files)
            }
            try handOver(.serve(profile: options.profile, command: commandLine))
        }
    }
}

/// Replaces this process with a new start of this program that serves `handOver` (see `ServerHandOver`
/// for why a new start).
func handOver(_ handOver: ServerHandOver) throws {
    let failure = CompanionProgram.handOver(to: CompanionProgram.commands, arguments: handOver.arguments)
    StandardError.report(failure)
    throw ExitCode(failure.exitStatus)
}
