import ArgumentParser
import HelperCommands

extension AwskeyringHelper {
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a profile's keys from the keyring."
        )

        @OptionGroup var options: ProfileOptions

        @Flag(help: "Do not ask for confirmation (for scripts).")
        var yes = false

        func run() throws {
            try reportingFailure {
                let context = CommandContext.live()
                try context.keyManager(terminal: context.openTerminal())
                    .remove(profile: context.profile(options.selection), yes: yes)
            }
        }
    }
}
