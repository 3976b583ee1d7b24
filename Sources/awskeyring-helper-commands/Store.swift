import ArgumentParser
import CredentialResolution
import HelperCommands

extension AwskeyringHelper {
    struct Store: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Store a profile's access key pair in the keyring.",
            discussion: """
                Asks on the terminal for the Access Key ID and the Secret Access Key (not shown while typed). \
                The secret is never taken from the command line, where other users could read it.
                """
        )

        @OptionGroup var options: ProfileOptions

        @Flag(help: "Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.")
        var fromEnv = false

        @Flag(help: "Replace keys already stored for the profile without asking.")
        var force = false

        @Flag(
            inversion: .prefixedNo,
            help: """
                Add 'credential_process = awskeyring-helper --profile NAME' to the profile's section of the \
                config file when nothing else gives it credentials (default: ask in a terminal; without one, \
                only say what to add).
                """)
        var configure: Bool?

        func run() throws {
            try reportingFailure {
                let context = CommandContext.live()
                let terminal = context.openTerminal()
                let profile = context.profile(options.selection)
                try context.keyManager(terminal: terminal).store(
                    profile: profile,
                    environment: fromEnv ? context.environment : nil,
                    force: force
                )
                try ProfileConfiguring(environment: context.environment).afterStore(
                    profile: profile, decision: configure, terminal: terminal,
                    diagnostics: context.diagnostics)
            }
        }
    }
}
