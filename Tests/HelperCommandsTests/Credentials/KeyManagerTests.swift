import Keyring
import TerminalAccess
import TestSupport
import Testing

@testable import CredentialValues
@testable import HelperCommands
@testable import KeyringItems

@Suite struct KeyManagerTests {
    static let id = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let otherSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"

    let store = InMemorySecretStore()
    var keyring: CredentialKeyring { CredentialKeyring(store: store) }

    func manager(_ terminal: (any Terminal)?) -> KeyManager {
        KeyManager(keyring: keyring, terminal: terminal, diagnostics: { _ in })
    }

    func environment(_ id: String = id, _ secret: String = secret) -> [String: String] {
        ["AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret]
    }

    @Test func storesFromTheEnvironmentAndReadsBack() throws {
        try manager(nil).store(profile: "dev", environment: environment(), force: false)
        #expect(
            try keyring.keys(profile: "dev")
                == LongLivedKeys(accessKeyId: Self.id, secretAccessKey: Self.secret))
        #expect(store.all.count == 1)
        #expect(store.all[0].label.contains(Self.secret) == false)
        #expect(store.all[0].attributes.values.contains(Self.secret) == false)
    }

    @Test func refusesToReplaceWithoutATerminalOrForce() throws {
        try manager(nil).store(profile: "dev", environment: environment(), force: false)
        #expect(throws: KeyCommandError.alreadyStored(profile: "dev", existing: Self.id)) {
            try manager(nil).store(
                profile: "dev", environment: environment(Self.id, Self.otherSecret), force: false)
        }
        #expect(try keyring.keys(profile: "dev")?.secretAccessKey == Self.secret)
        try manager(nil).store(
            profile: "dev", environment: environment(Self.id, Self.otherSecret), force: true)
        #expect(try keyring.keys(profile: "dev")?.secretAccessKey == Self.otherSecret)
        #expect(store.all.count == 1)
    }

    @Test func asksBeforeReplacingAndKeepsOnNo() throws {
        try manager(nil).store(profile: "dev", environment: environment(), force: false)
        let terminal = ScriptedTerminal(answers: ["n"])
        #expect(throws: KeyCommandError.keptExisting(profile: "dev")) {
            try manager(terminal).store(profile: "dev", environment: nil, force: false)
        }
        #expect(
            terminal.prompts == [
                "Profile 'dev' already has keys stored (AKIAIOSFODNN7EXAMPLE). Replace them? [y/N] "
            ])
        #expect(try keyring.keys(profile: "dev")?.secretAccessKey == Self.secret)
    }

    @Test func interactiveStoreHidesTheSecret() throws {
        let terminal = ScriptedTerminal(answers: [Self.id, Self.secret])
        try manager(terminal).store(profile: "dev", environment: nil, force: false)
        #expect(terminal.prompts == ["Access Key ID: ", "Secret Access Key: "])
        #expect(terminal.screen.contains(Self.id))
        #expect(!terminal.screen.contains(Self.secret))
        #expect(try keyring.keys(profile: "dev")?.accessKeyId == Self.id)
    }

    @Test func badShapesStoreNothing() throws {
        let shape = #expect(throws: KeyFormatError.self) {
            try manager(nil).store(profile: "dev", environment: environment("nope", Self.secret), force: true)
        }
        guard case .accessKeyId? = shape else {
            Issue.record("expected the Access Key ID refused, got \(String(describing: shape))")
            return
        }
        #expect(throws: KeyCommandError.environmentKeysMissing) {
            try manager(nil).store(profile: "dev", environment: [:], force: true)
        }
        #expect(store.all.isEmpty)
    }

    @Test func aCorruptItemIsNeverSilentlyReplaced() throws {
        store.plant(secret: "not json", profile: "dev")
        #expect(
            throws: KeyCommandError.alreadyStored(profile: "dev", existing: "an item this tool cannot read")
        ) {
            try manager(nil).store(profile: "dev", environment: environment(), force: false)
        }
        #expect(store.all.map(\.secret) == ["not json"])
        #expect(throws: KeyStorageError.unreadableItem(profile: "dev")) { try keyring.keys(profile: "dev") }
    }

    @Test func removeNeedsConsent() throws {
        try manager(nil).store(profile: "dev", environment: environment(), force: false)
        #expect(throws: KeyCommandError.removalNeedsConfirmation) {
            try manager(nil).remove(profile: "dev", yes: false)
        }
        #expect(throws: KeyCommandError.keptStored(profile: "dev")) {
            try manager(ScriptedTerminal(answers: ["no"])).remove(profile: "dev", yes: false)
        }
        #expect(try keyring.keys(profile: "dev") != nil)
        try manager(ScriptedTerminal(answers: ["y"])).remove(profile: "dev", yes: false)
        #expect(try keyring.keys(profile: "dev") == nil)
        #expect(throws: KeyCommandError.nothingToRemove(profile: "dev")) {
            try manager(nil).remove(profile: "dev", yes: true)
        }
    }

    @Test func listShowsKeyIdsOnly() throws {
        try manager(nil).store(profile: "b", environment: environment(), force: false)
        try manager(nil).store(
            profile: "a", environment: environment("AKIAI44QH8DHBEXAMPLE", Self.otherSecret), force: false)
        let rows = try manager(nil).list()
        #expect(rows.map(\.profile) == ["a", "b"])
        #expect(rows.map(\.accessKeyId) == ["AKIAI44QH8DHBEXAMPLE", Self.id])
    }

    @Test func keyringFailuresBecomeClearErrors() {
        store.failure.withLock { $0 = .noSessionBus(detail: "Could not connect") }
        let error = #expect(throws: KeyringError.noSessionBus(detail: "Could not connect")) {
            try manager(nil).list()
        }
        #expect(error?.description.contains("D-Bus") == true)
    }

    /// A locked keyring still shows its items' attributes: every command must say it is locked, not
    /// take the unreadable secrets for "no keys" or for a foreign item (which `store` and `remove`
    /// would then replace or delete without asking).
    @Test func aLockedKeyringIsReportedByEveryCommand() throws {
        try manager(nil).store(profile: "dev", environment: environment(), force: false)
        store.locked.withLock { $0 = true }
        let locked = InMemorySecretStore.lockedError
        #expect(throws: locked) { try manager(nil).list() }
        #expect(throws: locked) { try manager(nil).remove(profile: "dev", yes: true) }
        #expect(throws: locked) {
            try manager(nil).store(profile: "dev", environment: environment(), force: false)
        }
        #expect(throws: locked) {
            try manager(nil).store(
                profile: "dev", environment: environment(Self.id, Self.otherSecret), force: true)
        }
        #expect(throws: locked) { try keyring.keys(profile: "dev") }
        store.locked.withLock { $0 = false }
        #expect(try keyring.keys(profile: "dev")?.secretAccessKey == Self.secret)
    }

    @Test func aCorruptItemIsListedAndReplacedOnlyWithForce() throws {
        store.plant(secret: "not json", profile: "dev")
        #expect(try manager(nil).list().map(\.accessKeyId) == [nil])
        #expect(
            throws: KeyCommandError.alreadyStored(profile: "dev", existing: "an item this tool cannot read")
        ) {
            try manager(nil).store(profile: "dev", environment: environment(), force: false)
        }
        #expect(store.all.map(\.secret) == ["not json"])
        try manager(nil).store(profile: "dev", environment: environment(), force: true)
        #expect(try keyring.keys(profile: "dev")?.secretAccessKey == Self.secret)
    }

    /// Sessions made from the keys `store` replaces, or `remove` removes, are deleted with them.
    @Test func replacedAndRemovedKeysTakeTheirSessions() throws {
        try manager(nil).store(profile: "dev", environment: environment(), force: false)
        let session = AWSCredentials(
            accessKeyId: "ASIAEXAMPLE", secretAccessKey: Self.otherSecret, sessionToken: "token",
            expiration: 4_000_000_000)
        func cacheSession() throws {
            try keyring.storeCachedCredentials(
                session, cacheKey: "role-key", profile: "role", sourceProfile: "dev", sourceKey: nil,
                description: "role")
        }
        let sessions = { store.all.filter { $0.attributes["kind"] == "session" }.count }
        try cacheSession()
        #expect(sessions() == 1)
        try manager(nil).store(
            profile: "dev", environment: environment(Self.id, Self.otherSecret), force: true)
        #expect(sessions() == 0)
        try cacheSession()
        try manager(nil).remove(profile: "dev", yes: true)
        #expect(sessions() == 0)
    }

    @Test func storeAsksForTheSecretOnlyAfterAGoodKeyId() throws {
        let terminal = ScriptedTerminal(answers: [Self.secret, "never read"])
        let keyring = CredentialKeyring(store: InMemorySecretStore())
        let manager = KeyManager(keyring: keyring, terminal: terminal, diagnostics: { _ in })
        #expect(throws: KeyFormatError.secretTypedAsAccessKeyId) {
            try manager.store(profile: "p", environment: nil, force: false)
        }
        #expect(terminal.prompts == ["Access Key ID: "])
        #expect(try keyring.keys(profile: "p") == nil)
    }
}
