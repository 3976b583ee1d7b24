import ArgumentParser
import CredentialResolution
import CredentialServer
import HelperCommands
import ProcessControl
import SystemAccess
import TextFormats

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
        if CommandLine.arguments.dropFirst().first == ServerHandOver.marker {
            serveHandOver(Array(CommandLine.arguments.dropFirst()))
        }
        if let selection = ProfileSelection.plainCall(Array(CommandLine.arguments.dropFirst())) {
            do {
                try Credentials.printDocument(selection, refresh: false)
            } catch {
                StandardError.report(error)
                Self.exit(withError: ExitCode.failure)
            }
            return
        }
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = unknownCommandMessage(arguments) {
            StandardError.report(message: message)
            Self.exit(withError: ExitCode.validationFailure)
        }
        if arguments.count == 2, arguments[0] == "--generate-completion-script",
            let shell = CompletionShell(rawValue: arguments[1])
        {
            StandardOutput.write(ProfileCompletion.script(for: shell))
            return
        }
        Self.main(nil)
    }

    /// `exec --server` and `login`'s redirect, which this program handed over to itself; never returns.
    static func serveHandOver(_ arguments: [String]) -> Never {
        guard let handOver = ServerHandOver(arguments: arguments) else {
            StandardError.report(ServerError.notHandedOver)
            Self.exit(withError: ExitCode.validationFailure)
        }
        Self.exit(withError: ExitCode(ServerCommands.main(handOver)))
    }

    /// A first word that is neither an option nor a command: without this, the parser hands it to the
    /// default command, which calls it an unexpected argument. Says which command was probably meant.
    static func unknownCommandMessage(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        if names.contains(first) { return nil }
        let suggestions = NameSuggestion.closest(to: first, among: names)
        return """
            '\(first)' is not a command\(suggestions.isEmpty ? "" : "; " + NameSuggestion.question(suggestions)) \
            ('awskeyring-helper --help' lists the commands)
            """
    }
}
