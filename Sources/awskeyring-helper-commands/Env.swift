import ArgumentParser
import CredentialResolution
import HelperCommands
import SystemAccess

extension CredentialEnvironment.Format: ExpressibleByArgument {}

extension AwskeyringHelper {
    struct Env: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "env",
            abstract: "Print a profile's credentials as environment variables for a shell.",
            discussion: """
                sh (POSIX shells):  eval "$(awskeyring-helper env --profile prod)"
                fish:               awskeyring-helper env --profile prod --format fish | source
                json:               one object of the variables.
                The sh and fish forms also unset variables that would compete (AWS_PROFILE, a stale \
                AWS_SESSION_TOKEN, ...). Nothing is printed on stdout when anything fails.
                """
        )

        @OptionGroup var options: ProfileOptions

        @Option(help: "sh, fish or json.")
        var format: CredentialEnvironment.Format = .sh

        func run() throws {
            try reportingFailure {
                let variables = try CommandContext.live().credentialEnvironment(options.selection)
                StandardOutput.write(variables.text(format: format))
            }
        }
    }
}
