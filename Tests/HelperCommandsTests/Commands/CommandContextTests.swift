import FoundationJSON
import Keyring
import TestSupport
import Testing

@testable import CredentialResolution
@testable import CredentialValues
@testable import HelperCommands
@testable import KeyringItems

#if canImport(Glibc)
    import Glibc
#endif

/// The composition root, built from doubles: what the commands get from it.
@Suite struct CommandContextTests {
    let store = InMemorySecretStore()
    let temporary: TemporaryDirectory
    var directory: String { temporary.path }

    init() throws {
        temporary = try TemporaryDirectory("awskeyring-context-tests")
        let config = fopen(directory + "/config", "w")
        fputs("[profile base]\nregion = eu-west-1\n", config)
        fclose(config)
    }

    func context(_ environment: [String: String] = [:]) -> CommandContext {
        CommandContext(
            environment: [
                "AWS_CONFIG_FILE": directory + "/config",
                "AWS_SHARED_CREDENTIALS_FILE": directory + "/credentials", "XDG_RUNTIME_DIR": directory,
            ].merging(environment) { $1 },
            keyring: CredentialKeyring(store: store), json: FoundationJSONDecoding(),
            transport: ScriptedTransport([]),
            clock: TestClock(1_795_827_723), openTerminal: { nil }, diagnostics: { _ in })
    }

    @Test func credentialsAndTheirEnvironmentForTheSelectedProfile() throws {
        try CredentialKeyring(store: store).storeKeys(
            LongLivedKeys(
                accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            profile: "base")
        let context = context(["AWS_PROFILE": "base"])
        #expect(try context.credentials(ProfileSelection(option: nil)).accessKeyId == "AKIAIOSFODNN7EXAMPLE")
        let variables = try context.credentialEnvironment(ProfileSelection(option: "base"))
            .applied(to: context.environment)
        #expect(variables["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE")
        #expect(variables["AWS_REGION"] == "eu-west-1")
        #expect(variables["AWS_PROFILE"] == nil)
    }

    @Test func explainAsksTheKeyringForTheSourceProfileAndShowsALockedOne() throws {
        #expect(
            try context().explanation(ProfileSelection(option: "base")).keyring
                == .read(profilesWithKeys: []))
        store.locked.withLock { $0 = true }
        guard case .unreachable = try context().explanation(ProfileSelection(option: "base")).keyring else {
            Issue.record("a locked keyring is shown as unreadable")
            return
        }
    }

    @Test func doctorAsksIAMOnlyWhenOnline() {
        #expect(context().doctorChecks(offline: true).iamTransport == nil)
        #expect(context().doctorChecks(offline: false).iamTransport != nil)
    }
}
