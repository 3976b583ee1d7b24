import ArgumentParser
import AwskeyringCore

/// Every command names itself in its configuration: deriving the name from the type's name costs a
/// run-time type lookup on every start, and every AWS SDK client start runs this program.
@main
struct AwskeyringHelper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "awskeyring-helper",
        abstract: "AWS credentials from the OS keyring, for credential_process.",
        discussion: """
            Keeps long-lived AWS access keys in the Secret Service keyring instead of ~/.aws/credentials \
            and hands SDKs and the AWS CLI credentials through credential_process:

              [profile prod]
              credential_process = awskeyring-helper --profile prod
            """,
        version: toolVersion,
        subcommands: [
            Credentials.self, Store.self, Explain.self, List.self, Remove.self, Clear.self, Exec.self,
            Env.self,
            Import.self, Rotate.self, Doctor.self, Unlock.self, Lock.self, Login.self,
        ],
        defaultSubcommand: Credentials.self
    )

    /// A plain credential_process call goes straight to its work; everything else through the parser.
    static func main() {
        ProcessGuard.forbidCoreDumps()
        if let call = Credentials.plainCall(Array(CommandLine.arguments.dropFirst())) {
            do {
                try Credentials.printDocument(profileOption: call.profile, refresh: false)
            } catch {
                StandardError.report(error)
                Self.exit(withError: ExitCode.failure)
            }
            return
        }
        Self.main(nil)
    }
}
