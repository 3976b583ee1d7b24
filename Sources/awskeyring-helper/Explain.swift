import ArgumentParser
import AwskeyringCore
import CredentialResolution
import HelperSupport

extension AwskeyringHelper {
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "Show how a profile resolves: files, merged settings, and the credential chain.",
            discussion: """
                A profile whose chain is broken is shown too: the chain as far as it resolves, then the \
                break (a step, and a 'break' member with --json); the exit status is then 1. Neither a D-Bus \
                session nor the keyring is needed; without them, stored keys are shown as not checked.
                """
        )

        @OptionGroup var options: ProfileOptions

        @Flag(
            help:
                "Print one JSON object; its 'settings' member is the profile's merged map as botocore builds it."
        )
        var json = false

        func run() throws {
            var broken: String?
            try reportingFailure { () throws(HelperError) in
                let environment = ProcessEnvironment.current()
                let profile = options.resolvedProfile(environment: environment)
                let files = try loadConfigFiles(environment: environment)
                let fromEnvironment = options.profile == nil
                // The keyring is asked only when the chain starts with keys stored in it.
                var keyring = ProfileExplanation.KeyringCheck.notNeeded
                if case .complete(let chain) = ProfileResolver(
                    files: files, environment: environment, webIdentityFromEnvironment: fromEnvironment
                ).walk(from: profile), case .keyring(let source, _) = chain.source {
                    do throws(HelperError) {
                        // One lookup, not a search of every stored profile.
                        let stored = try CredentialKeyring.secretService().hasKeys(profile: source)
                        keyring = .read(profilesWithKeys: stored ? [source] : [])
                    } catch {
                        keyring = .unreachable(error.message)
                    }
                }
                let explanation = try ProfileExplanation(
                    profile: profile, files: files, environment: environment, keyring: keyring,
                    webIdentityFromEnvironment: fromEnvironment)
                // The text quotes the config files: no control character reaches the terminal.
                StandardOutput.write(
                    json ? explanation.json.prettyText : ASCIIText.printable(explanation.text))
                broken = explanation.chainBreak?.message
            }
            if let broken {
                StandardError.report(HelperError(broken))
                throw ExitCode.failure
            }
        }
    }
}
