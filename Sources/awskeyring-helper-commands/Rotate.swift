import ArgumentParser
import CredentialResolution
import HelperCommands

extension AwskeyringHelper {
    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Replace a profile's stored access key with a new one (IAM), then delete the old key.",
            discussion: """
                Creates a new access key for the IAM user of the stored keys, stores it, checks it with STS \
                GetCallerIdentity, then deletes the old key (signed with the new one). If a step fails, the \
                old key stays stored and usable, and the message says which keys exist. Every other profile \
                in the keyring holding the same access key gets the new key too (named on stderr). Rotation \
                refuses to start while the IAM user has a second access key (ListAccessKeys), naming it and \
                the command that deletes it. The IAM endpoint \
                follows AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL, the [services] 'iam' block and endpoint_url.
                """
        )

        @OptionGroup var options: ProfileOptions

        func run() throws {
            try reportingFailure {
                let context = CommandContext.live()
                let profile = context.profile(options.selection)
                if let holder = try context.keyHolder(of: profile) {
                    throw KeyCommandError.keysHeldBy(profile: profile, holder: holder)
                }
                try context.keyRotation(profile).rotate(profile: profile)
            }
        }
    }
}
