import ArgumentParser
import HelperCommands
import SystemAccess
import TextFormats

extension AwskeyringHelper {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the profiles whose keys are in the keyring (never a secret).",
            discussion: """
                Each line: the profile, its access key id, and the day its keys were stored (YYYY-MM-DD; \
                'unknown' for keys stored before the tool recorded it). --json: the same as \
                {"profiles": [{"profile", "accessKeyId", "stored"}]}.
                """
        )

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            try reportingFailure {
                let rows = try CommandContext.live().keyManager(terminal: nil).list()
                /// YYYY-MM-DD, or "unknown" for keys stored before the tool recorded it.
                func storedOn(_ time: Int?) -> String {
                    time.map { String(Timestamp.format($0).prefix(10)) } ?? "unknown"
                }
                if json {
                    let profiles = rows.map { row in
                        JSONValue.object([
                            ("profile", .string(row.profile)),
                            ("accessKeyId", row.accessKeyId.map(JSONValue.string) ?? .null),
                            ("stored", .string(storedOn(row.storedAt))),
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
                                    + (row.accessKeyId ?? "(unreadable item)").padding(to: 20)
                                    + "  stored " + storedOn(row.storedAt)
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
