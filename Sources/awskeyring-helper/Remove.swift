import ArgumentParser
import CredentialResolution
import HelperSupport

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
            try reportingFailure { () throws(HelperError) in
                let environment = ProcessEnvironment.current()
                let manager = makeKeyManager(environment: environment, terminal: ControllingTerminal.open())
                try manager.remove(profile: options.resolvedProfile(environment: environment), yes: yes)
            }
        }
    }
}
