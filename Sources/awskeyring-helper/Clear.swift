import ArgumentParser
import AwskeyringCore

extension AwskeyringHelper {
    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "Drop cached sessions (MFA sessions and role credentials); stored keys stay."
        )

        @Option(
            name: .long, help: "Only the sessions of this profile (as asked for, or as the source of keys).",
            completion: ProfileCompletion.kind)
        var profile: String?

        func run() throws {
            try reportingFailure { () throws(HelperError) in
                let manager = makeKeyManager(environment: ProcessEnvironment.current(), terminal: nil)
                try manager.clearSessions(profile: profile)
            }
        }
    }
}
