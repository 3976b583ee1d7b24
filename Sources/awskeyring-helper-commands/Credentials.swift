import ArgumentParser
import CredentialResolution
import HelperCommands
import SystemAccess

extension AwskeyringHelper {
    struct Credentials: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "credentials",
            abstract: "Print the credential_process JSON document for a profile (the default command)."
        )

        @OptionGroup var options: ProfileOptions

        @Flag(help: "Ignore cached role credentials for this call (a valid MFA session is still used).")
        var refresh = false

        func run() throws {
            try reportingFailure {
                try Self.printDocument(options.selection, refresh: refresh)
            }
        }

        /// The command's work; the start-up fast path calls it too.
        static func printDocument(_ selection: ProfileSelection, refresh: Bool) throws {
            let credentials = try CommandContext.live().credentials(selection, refresh: refresh)
            StandardOutput.write(credentials.processDocument.text)
        }
    }
}
