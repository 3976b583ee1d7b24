import ArgumentParser
import HelperSupport

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
            try reportingFailure { () throws(HelperError) in
                try Self.printDocument(profileOption: options.profile, refresh: refresh)
            }
        }

        /// The command's work; the start-up fast path calls it too.
        static func printDocument(profileOption: String?, refresh: Bool) throws(HelperError) {
            let environment = ProcessEnvironment.current()
            let credentials = try fetchCredentials(
                profileOption: profileOption, refresh: refresh, environment: environment,
                files: try loadConfigFiles(environment: environment))
            StandardOutput.write(credentials.processDocument.text)
        }

        struct PlainCall: Equatable {
            var profile: String?
        }

        /// The `--profile` of a plain credential_process call (`[credentials] [--profile P]`), recognised
        /// without swift-argument-parser, whose reflection-based set-up costs as much as the whole
        /// cached call. Anything else, including every error, is left to the full parser.
        static func plainCall(_ arguments: [String]) -> PlainCall? {
            var rest = arguments[...]
            if rest.first == "credentials" { rest = rest.dropFirst() }
            switch rest.count {
            case 0:
                return PlainCall(profile: nil)
            case 1 where rest[rest.startIndex].hasPrefix("--profile="):
                let profile = String(rest[rest.startIndex].dropFirst("--profile=".count))
                return ProfileOptions.isValidName(profile) ? PlainCall(profile: profile) : nil
            case 2 where rest[rest.startIndex] == "--profile":
                let profile = rest[rest.index(after: rest.startIndex)]
                return ProfileOptions.isValidName(profile) && !profile.hasPrefix("-")
                    ? PlainCall(profile: profile) : nil
            default:
                return nil
            }
        }
    }
}
