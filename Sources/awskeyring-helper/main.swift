import AWSConfigFile
import AWSQuery
import CredentialResolution
import HelperSupport

#if canImport(Glibc)
    import Glibc
#endif

// Every credential_process call starts this program. It answers a plain call (`[credentials]
// [--profile P]`) when the keyring alone has the credentials: a cached session, or stored keys that
// need no STS call. Everything else (a cache miss, STS, MFA prompts, credential sources, the commands,
// and every error, reported once and in the same words) is done by awskeyring-helper-commands, which
// this process becomes. Without the argument parser and FoundationEssentials, which that program links,
// a cached call starts in much less time.
ProcessGuard.forbidCoreDumps()
let arguments = Array(CommandLine.arguments.dropFirst())
if let selection = ProfileSelection.plainCall(arguments), let answer = KeyringAnswer(selection) {
    answer.notes.forEach(StandardError.write)
    StandardOutput.write(answer.document)
    exit(0)
}
let failure = CompanionProgram.handOver(to: CompanionProgram.commands, arguments: arguments)
StandardError.report(failure)
exit(failure.exitStatus)

/// The credential document when the keyring alone has it, with the notes written on the way (printed
/// only then: when the other program takes over, it writes its own). Any failure is nil.
struct KeyringAnswer {
    var document: String
    var notes: [String]

    init?(_ selection: ProfileSelection) {
        let environment = ProcessEnvironment.current()
        let notes = NoteList()
        do {
            let files = try AWSConfigFiles.load(environment: environment)
            let keyring = CredentialKeyring.secretService(json: nil)
            var provider = CredentialProvider(
                files: files, keyring: keyring, cache: .standard(keyring: keyring, environment: environment),
                environment: environment, json: NoJSONDecoding(), diagnostics: { notes.items.append($0) },
                transport: CurlTransport(), clock: SystemClock(), openTerminal: { nil })
            provider.webIdentityFromEnvironment = selection.webIdentityFromEnvironment
            guard
                let credentials = try provider.credentialsFromKeyring(
                    profile: selection.profile(environment: environment))
            else { return nil }
            document = credentials.processDocument.text
            self.notes = notes.items
        } catch {
            return nil
        }
    }

    private final class NoteList {
        var items: [String] = []
    }
}
