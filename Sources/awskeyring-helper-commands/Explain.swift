import ArgumentParser
import HelperCommands
import SystemAccess
import TextFormats

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
            try reportingFailure {
                let explanation = try CommandContext.live().explanation(options.selection)
                // The text quotes the config files: no control character reaches the terminal.
                StandardOutput.write(
                    json ? explanation.json.prettyText : ASCIIText.printable(explanation.text))
                broken = explanation.chainBreak?.message
            }
            if let broken {
                StandardError.report(message: broken)
                throw ExitCode.failure
            }
        }
    }
}
