import ArgumentParser
import AwskeyringCore

extension AwskeyringHelper {
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "Show how a profile resolves: files, merged settings, and the credential chain."
        )

        @OptionGroup var options: ProfileOptions

        @Flag(
            help:
                "Print one JSON object; its 'settings' member is the profile's merged map as botocore builds it."
        )
        var json = false

        func run() throws {
            try reportingFailure { () throws(HelperError) in
                let environment = ProcessEnvironment.current()
                let profile = options.resolvedProfile(environment: environment)
                let files = try loadConfigFiles(environment: environment)
                let fromEnvironment = options.profile == nil
                let chain = try ProfileResolver(
                    files: files, environment: environment, webIdentityFromEnvironment: fromEnvironment
                ).chain(for: profile)
                var stored: Bool?
                if case .keyring(let source, _) = chain.source {
                    do throws(HelperError) {
                        stored = try CredentialKeyring.secretService().profilesWithKeys().contains(source)
                    } catch {
                        // A profile only the keyring knows cannot be explained without it.
                        if files.profiles[profile] == nil { throw error }
                        StandardError.write("note: the keyring could not be read: \(error.message)")
                    }
                }
                let explanation = try ProfileExplanation(
                    profile: profile, files: files, environment: environment, sourceKeysStored: stored,
                    webIdentityFromEnvironment: fromEnvironment)
                // The text quotes the config files: no control character reaches the terminal.
                StandardOutput.write(
                    json ? explanation.json.prettyText : ASCIIText.printable(explanation.text))
            }
        }
    }
}
