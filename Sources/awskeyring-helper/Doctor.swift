import ArgumentParser
import AwskeyringCore
import Keyring

extension AwskeyringHelper {
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract:
                "Check the keyring, the config files and every profile; print the fix for each problem.",
            discussion: """
                Checks the D-Bus session bus, the Secret Service on it, whether the default keyring is \
                unlocked, the config and credentials files (and keys written in plain text in them), and how \
                each profile resolves. One line per check, on stderr. Exit status 0 when all is well, 1 when \
                a problem was found. Reads no secret and calls no AWS service.
                """
        )

        func run() throws {
            let doctor = DoctorChecks(
                health: SecretServiceHealth.probe(), keyring: .secretService(),
                environment: ProcessEnvironment.current())
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
