import AWSConfigFile
import AWSQuery
import CredentialResolution
import Keyring
import KeyringItems
import ProcessControl
import SystemAccess
import TextFormats

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
if let selection = ProfileSelection.plainCall(arguments) {
    switch KeyringAnswer.find(selection) {
    case .answer(let answer):
        answer.notes.forEach(StandardError.write)
        StandardOutput.write(answer.document)
        exit(0)
    case .failure(let error):
        StandardError.report(error)
        exit(1)
    case .handOver:
        break
    }
}
let failure = CompanionProgram.handOver(to: CompanionProgram.commands, arguments: arguments)
StandardError.report(failure)
exit(failure.exitStatus)

/// The credential document when the keyring alone has it, with the notes written on the way (printed
/// only then: when the other program takes over, it writes its own).
struct KeyringAnswer {
    var document: String
    var notes: [String]

    enum Outcome {
        case answer(KeyringAnswer)
        /// A keyring failure that asking again would only repeat after the same wait (the provider did
        /// not answer in time, or nobody allowed access in its dialog): reported here.
        case failure(KeyringError)
        /// Any other case: the other program does the work and reports what fails.
        case handOver
    }

    static func find(_ selection: ProfileSelection) -> Outcome {
        do {
            guard let answer = try KeyringAnswer(selection) else { return .handOver }
            return .answer(answer)
        } catch let error as KeyringError {
            switch error {
            case .noAnswer, .accessNotConfirmed: return .failure(error)
            default: return .handOver
            }
        } catch {
            return .handOver
        }
    }

    init?(_ selection: ProfileSelection) throws {
        let environment = ProcessEnvironment.current()
        let notes = NoteList()
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
    }

    private final class NoteList {
        var items: [String] = []
    }
}
