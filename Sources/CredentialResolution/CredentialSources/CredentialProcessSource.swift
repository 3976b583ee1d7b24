import AWSConfigFile
import CredentialValues
import ProcessControl
import SystemAccess
import TextFormats

/// A source profile's own `credential_process` (another program than this helper), run as botocore's
/// `ProcessProvider` runs it: split with shell rules, no shell, stdin inherited, stdout read as a
/// Version 1 credential document. Its stderr is passed on to ours as it comes (without control
/// characters), so its messages and prompts reach the person.
struct CredentialProcessSource {
    /// A bound on the whole run: long enough for a person to answer a prompt, short enough that a
    /// stuck command does not hang every SDK call behind it.
    static let defaultTimeout = 120.0

    var profile: String
    var command: String
    var timeout = CredentialProcessSource.defaultTimeout

    /// The document's members, named as the document spells them.
    private struct Document: Decodable {
        var version: Int?
        var accessKeyId: String?
        var secretAccessKey: String?
        var sessionToken: String?
        var expiration: String?

        enum CodingKeys: String, CodingKey {
            case version = "Version", accessKeyId = "AccessKeyId", secretAccessKey = "SecretAccessKey"
            case sessionToken = "SessionToken", expiration = "Expiration"
        }
    }

    /// Runs the command, its time limit measured on `clock`, and reads its document (expirations
    /// against `clock` too).
    /// - Throws: `ConfigError`, `ShellCommandError` or `CredentialSourceError`.
    func fetch(environment: [String: String], clock: any TimeSource, json: any JSONDecoding) throws
        -> AWSCredentials
    {
        guard let words = ShellWords.split(command) else {
            throw ConfigError.unsplittableCredentialProcess(profile: profile)
        }
        let output = try ShellCommand.run(words, environment: environment, timeout: timeout, clock: clock) {
            ShellCommandError(
                command: "the credential_process of profile '\(profile)' (\(command))", reason: $0)
        }
        return try Self.parse(output, profile: profile, now: clock.epochSeconds, json: json)
    }

    /// The credentials in a credential_process document. Messages never quote the output: it holds a
    /// secret.
    static func parse(_ output: [UInt8], profile: String, now: Int, json: any JSONDecoding)
        throws(CredentialSourceError)
        -> AWSCredentials
    {
        func bad(_ what: String) -> CredentialSourceError {
            .processDocument(profile: profile, problem: what)
        }
        guard let document = try? json.decode(Document.self, from: output) else {
            throw bad("did not print a JSON credential document")
        }
        guard document.version == 1 else {
            throw bad(document.version.map { "printed Version \($0), not 1" } ?? "printed no integer Version")
        }
        guard let id = document.accessKeyId, !id.isEmpty else { throw bad("printed no AccessKeyId") }
        guard let secret = document.secretAccessKey, !secret.isEmpty else {
            throw bad("printed no SecretAccessKey")
        }
        var expiration: Int?
        if let text = document.expiration {
            guard let parsed = Timestamp.parse(text) else {
                throw bad("printed an Expiration that is not an ISO 8601 time")
            }
            guard parsed > now else {
                throw bad("printed credentials that expired at \(Timestamp.format(parsed))")
            }
            expiration = parsed
        }
        let token = document.sessionToken.flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }
}

/// The chain of helpers that called one another through credential_process commands, passed down in
/// `AWSKEYRING_HELPER_CHAIN` (`profileA>profileB`), so a configuration in which the helper would end up
/// waiting for itself fails at once with the loop named, instead of hanging until a timeout.
enum HelperCallChain {
    static let variable = "AWSKEYRING_HELPER_CHAIN"
    static let separator: Character = ">"
    /// Deeper than any sensible configuration; a chain this long is a loop through names we miss.
    static let maximumDepth = 6

    static func entries(_ environment: [String: String]) -> [String] {
        guard let text = environment[variable], !text.isEmpty else { return [] }
        return text.split(separator: separator).map(String.init)
    }

    /// The profiles this call adds: the one asked for, and a source profile whose command it runs.
    static func additions(for chain: CredentialChain) -> [String] {
        var names = [chain.profile]
        if case .process(let profile, _) = chain.source, profile != chain.profile { names.append(profile) }
        return names
    }

    /// Refuses a call that is already running further up the chain.
    static func check(_ chain: CredentialChain, environment: [String: String]) throws(CredentialSourceError) {
        let above = entries(environment)
        guard !above.isEmpty else { return }
        for name in additions(for: chain) where above.contains(name) {
            let loop = (above + [name]).joined(separator: " > ")
            throw .processLoop(loop: loop, profile: name)
        }
        if above.count >= maximumDepth {
            throw .processChainTooDeep(
                chain: (above + [chain.profile]).joined(separator: " > "), maximum: maximumDepth)
        }
    }

    /// The environment for a credential_process started while resolving `chain`.
    static func environment(for chain: CredentialChain, from environment: [String: String]) -> [String:
        String]
    {
        var result = environment
        result[variable] = (entries(environment) + additions(for: chain)).joined(separator: String(separator))
        return result
    }
}
