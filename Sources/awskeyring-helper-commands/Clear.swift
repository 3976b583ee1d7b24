import ArgumentParser
import HelperCommands
import SystemAccess

extension AwskeyringHelper {
    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "Drop cached sessions (MFA sessions and role credentials); stored keys stay.",
            discussion: """
                With --profile, the profile is followed as explain follows it: a profile whose \
                credential_process is 'awskeyring-helper --profile OTHER' clears OTHER's sessions too (the \
                name given to 'aws --profile' works). A name no config file and no stored keys know is an \
                error. When the keyring is locked or unreachable, the message says what was cleared and what \
                was not.
                """
        )

        @Option(
            name: .long, help: "Only the sessions of this profile (as asked for, or as the source of keys).",
            completion: ProfileCompletion.kind)
        var profile: String?

        func run() throws {
            try reportingFailure {
                StandardError.write(try CommandContext.live().sessionClearing().clear(profile: profile))
            }
        }
    }
}
