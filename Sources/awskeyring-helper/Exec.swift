import ArgumentParser
import AwskeyringCore

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
                """
        )

        @OptionGroup var options: ProfileOptions

        @Argument(
            parsing: .captureForPassthrough,
            help: ArgumentHelp("The command to run and its arguments, after --.", valueName: "command"))
        var command: [String] = []

        var commandLine: [String] {
            command.first == "--" ? Array(command.dropFirst()) : command
        }

        func validate() throws {
            if commandLine.isEmpty {
                throw ValidationError("exec needs a command to run: exec --profile P -- COMMAND [ARGS...]")
            }
        }

        func run() throws {
            var childEnvironment: [String: String] = [:]
            try reportingFailure { () throws(HelperError) in
                let environment = ProcessEnvironment.current()
                let profile = options.resolvedProfile(environment: environment)
                let files = try loadConfigFiles(environment: environment)
                let credentials = try fetchCredentials(
                    profileOption: options.profile, environment: environment, files: files)
                childEnvironment = CredentialEnvironment(
                    credentials: credentials, profile: profile, files: files, environment: environment
                ).applied(to: environment)
            }
            let line = commandLine
            let failure = ProcessReplacement.execute(
                command: line[0], arguments: Array(line.dropFirst()), environment: childEnvironment)
            StandardError.report(HelperError(failure.message))
            throw ExitCode(failure.exitStatus)
        }
    }
}
