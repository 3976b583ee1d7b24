import ArgumentParser
import AwskeyringCore
import HelperSupport

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

        func run() throws {
            try reportingFailure {
                let context = CommandContext.live()
                try context.keyManager(terminal: context.openTerminal()).store(
                    profile: context.profile(options.selection),
                    environment: fromEnv ? context.environment : nil,
                    force: force
                )
            }
        }
    }
}
