import ArgumentParser
import AwskeyringCore
import HelperSupport

extension AwskeyringHelper {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the profiles whose keys are in the keyring (never a secret)."
        )

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            try reportingFailure {
                let rows = try CommandContext.live().keyManager(terminal: nil).list()
                if json {
                    let profiles = rows.map { row in
                        JSONValue.object([
                            ("profile", .string(row.profile)),
                            ("accessKeyId", row.accessKeyId.map(JSONValue.string) ?? .null),
                        ])
                    }
                    StandardOutput.write(JSONValue.object([("profiles", .array(profiles))]).text)
                } else if rows.isEmpty {
                    StandardError.write(
                        "No keys are stored; add some with 'awskeyring-helper store --profile NAME'.")
                } else {
                    let width = rows.map(\.profile.count).max() ?? 0
                    // Profile names come from keyring items any program of the user may write.
                    StandardOutput.write(
                        ASCIIText.printable(
                            rows.map { row in
                                row.profile.padding(to: width) + "  "
                                    + (row.accessKeyId ?? "(unreadable item)")
                            }.joined(separator: "\n")))
                }
            }
        }
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}
