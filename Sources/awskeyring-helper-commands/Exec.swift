import ArgumentParser
import AwskeyringCore
import CredentialResolution
import CredentialServer
import HelperSupport

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
                on the terminal. The helper stays COMMAND's parent: it passes signals on, closes the \
                port when COMMAND ends and exits with COMMAND's status (128+N when signal N ended it).

                  awskeyring-helper exec --server --profile prod -- terraform apply
                """
        )

        @OptionGroup var options: ProfileOptions

        @Flag(help: "Serve refreshing credentials on 127.0.0.1 instead of putting keys in the environment.")
        var server = false

        @Argument(
            parsing: .captureForPassthrough,
            help: ArgumentHelp("The command to run and its arguments, after --.", valueName: "command"))
        var command: [String] = []

        var commandLine: [String] {
            command.first == "--" ? Array(command.dropFirst()) : command
        }

        func validate() throws {
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
            let line = commandLine
            let failure = ProcessReplacement.execute(
                command: line[0], arguments: Array(line.dropFirst()), environment: childEnvironment)
            StandardError.report(failure)
            throw ExitCode(failure.exitStatus)
        }

        /// `--server` is served once this process has the credentials: a missing key fails here, and an
        /// MFA code is asked for with the usual signal handling (Ctrl-C works); the process that serves
        /// then finds them in the cache.
        private func runServing() throws {
            try reportingFailure {
                _ = try CommandContext.live().credentials(options.selection)
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
