import ArgumentParser
import HelperCommands
import SystemAccess

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
                user (an interrupted rotate leaves one), a key IAM no longer accepts, or a key older than \
                --max-key-age days (default 90) by IAM's CreateDate (at most 5 s per key, \
                20 s in all; --offline skips it). One line per check, on stderr. Exit status 0 when all is \
                well, 1 when a problem was found.
                """
        )

        @Flag(help: "Do not ask IAM about the stored access keys (no network).")
        var offline = false

        @Option(
            name: .customLong("max-key-age"),
            help: ArgumentHelp(
                "Report stored keys IAM created more than this many days ago, with the rotate command.",
                valueName: "days"))
        var maxKeyAge = 90

        func validate() throws {
            guard maxKeyAge >= 1 else {
                throw ValidationError("--max-key-age takes a number of days, 1 or more")
            }
        }

        func run() throws {
            var doctor = CommandContext.live().doctorChecks(offline: offline)
            doctor.maxKeyAgeDays = maxKeyAge
            let findings = doctor.findings()
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
