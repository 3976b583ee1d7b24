import ArgumentParser
import AwskeyringCore

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
        version: "0.1.0",
        subcommands: [
            Credentials.self, Store.self, Explain.self, List.self, Remove.self, Clear.self, Exec.self,
            Env.self,
            Import.self, Rotate.self, Doctor.self,
        ],
        defaultSubcommand: Credentials.self
    )
}
