import ArgumentParser
import AwskeyringCore
import HelperSupport

extension AwskeyringHelper {
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract:
                "Check the keyring, the config files and every profile; print the fix for each problem.",
            discussion: """
                Checks the D-Bus session bus, the Secret Service on it, whether the default keyring is \
                unlocked, the config and credentials files (and keys written in plain text in them), and how \
                each profile resolves; the lock directory; backups left by import that still hold keys in plain text; and, for \
                each stored access key, IAM ListAccessKeys signed with it, to find a spare key of the same \
                user (an interrupted rotate leaves one) or a key IAM no longer accepts (at most 5 s per key, \
                20 s in all; --offline skips it). One line per check, on stderr. Exit status 0 when all is \
                well, 1 when a problem was found.
                """
        )

        @Flag(help: "Do not ask IAM about the stored access keys (no network).")
        var offline = false

        func run() throws {
            let findings = CommandContext.live().doctorChecks(offline: offline).findings()
            for finding in findings { StandardError.write(finding.line) }
            let problems = findings.filter { !$0.ok }.count
            if problems > 0 {
                StandardError.write("\(problems) problem\(problems == 1 ? "" : "s") found.")
                throw ExitCode.failure
            }
            StandardError.write("No problems found.")
        }
    }
}
