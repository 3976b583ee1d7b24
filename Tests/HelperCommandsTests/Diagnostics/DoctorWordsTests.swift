import Keyring
import TestSupport
import Testing

@testable import AWSConfigFile
@testable import CredentialResolution
@testable import HelperCommands
@testable import KeyringItems

@Suite struct DoctorWordsTests {
    @Test func sourcesAreDescribedInWords() throws {
        let web = WebIdentitySource(
            profile: "w", roleArn: "arn:aws:iam::123456789012:role/w", tokenFile: "/t")
        let sources: [CredentialSource] = [
            .keyring(profile: "k", inConfig: true), .plainTextKeys(profile: "p"), .environment(profile: "e"),
            .instanceMetadata(profile: "i"), .containerEndpoint(profile: "c"), .webIdentity(web),
            .process(profile: "x", command: "tool --x"),
        ]
        for source in sources {
            let words = DoctorChecks.describe(source)
            #expect(!words.contains("(profile:"), "\(words)")
            #expect(!words.contains("Source("), "\(words)")
        }
        #expect(DoctorChecks.describe(.instanceMetadata(profile: "i")).contains("instance metadata service"))
    }

    @Test func aCredentialProcessProgramNotOnPathIsAProblem() throws {
        var doctor = DoctorChecks(
            health: .defaultCollection(label: "Login", locked: false),
            keyring: CredentialKeyring(store: InMemorySecretStore()), environment: ["PATH": "/p"],
            clock: TestClock()
        ) { _ throws(ConfigFileError) in nil }
        doctor.findProgram = { program, path in program == "present" && path == "/p" ? "/p/present" : nil }
        #expect(doctor.commandFinding("present --x", of: "a") == nil)
        let missing = doctor.commandFinding("absent --x", of: "b")
        #expect(missing?.ok == false)
        #expect(missing?.detail.contains("'absent'") == true)
        #expect(missing?.detail.contains("PATH") == true)
        #expect(doctor.commandFinding("'unclosed", of: "c")?.ok == false)
    }
}
