import FoundationJSON
import Keyring
import Synchronization
import TestSupport
import Testing

@testable import CredentialResolution
@testable import CredentialValues
@testable import KeyringItems

#if canImport(Glibc)
    import Glibc
#endif

/// The provider with everything outside it replaced: an in-memory keyring, a scripted STS, a clock the
/// test moves, and a terminal with prepared answers.
@Suite struct CredentialProviderTests {
    static let start = 1_795_827_723
    static let mfa = "arn:aws:iam::123456789012:mfa/me"
    static let config = """
        [profile base]
        region = eu-west-1
        [profile r1]
        role_arn = arn:aws:iam::123456789012:role/r1
        source_profile = base
        mfa_serial = \(mfa)
        [profile r2]
        role_arn = arn:aws:iam::123456789012:role/r2
        source_profile = base
        mfa_serial = \(mfa)
        [profile plain-role]
        role_arn = arn:aws:iam::123456789012:role/plain
        source_profile = base
        [profile chained]
        role_arn = arn:aws:iam::123456789012:role/chained
        source_profile = plain-role
        duration_seconds = 7200
        [profile direct]
        role_arn = arn:aws:iam::123456789012:role/direct
        source_profile = base
        mfa_serial = \(mfa)
        mfa_with_assume_role = true
        [profile by-process]
        role_arn = arn:aws:iam::123456789012:role/r1
        source_profile = base
        mfa_serial = \(mfa)
        mfa_process = echo ' 654321 '
        """

    let store = InMemorySecretStore()
    let clock = TestClock(start)
    let temporary: TemporaryDirectory
    var runtime: String { temporary.path }

    init() throws {
        temporary = try TemporaryDirectory("awskeyring-tests")
        try CredentialKeyring(store: store).storeKeys(
            LongLivedKeys(
                accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            profile: "base")
    }

    func provider(_ transport: ScriptedTransport, terminal: ScriptedTerminal? = nil) throws
        -> CredentialProvider
    {
        CredentialProvider(
            files: try configFiles(Self.config), keyring: CredentialKeyring(store: store),
            environment: ["XDG_RUNTIME_DIR": runtime, "PATH": "/usr/bin:/bin"],
            json: FoundationJSONDecoding(),
            diagnostics: { _ in },
            transport: transport, clock: clock, openTerminal: { terminal })
    }

    func advance(_ seconds: Int) {
        clock.advance(seconds)
    }

    func actions(_ transport: ScriptedTransport) -> [String] {
        transport.forms.map { $0["Action"] ?? "?" }
    }

    func signingKeyIds(_ transport: ScriptedTransport) -> [String] {
        transport.requests.map { request in
            let authorization = request.headers.first { $0.name == "Authorization" }?.value ?? ""
            return String(authorization.split(separator: "=")[1].split(separator: "/")[0])
        }
    }

    @Test func oneMFACodeServesEveryRoleBehindTheSameKeys() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("GetSessionToken", id: "ASIASESSION", expiration: Self.start + 8 * 3600),
            STSReply.credentials("AssumeRole", id: "ASIAR1", expiration: Self.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIAR2", expiration: Self.start + 3600),
        ])
        let terminal = ScriptedTerminal(answers: ["123456"])
        #expect(
            try provider(transport, terminal: terminal).credentials(profile: "r1").accessKeyId == "ASIAR1")
        #expect(
            try provider(transport, terminal: terminal).credentials(profile: "r2").accessKeyId == "ASIAR2")
        #expect(terminal.prompts == ["Enter MFA code for \(Self.mfa): "])
        #expect(actions(transport) == ["GetSessionToken", "AssumeRole", "AssumeRole"])
        #expect(transport.forms[0]["TokenCode"] == "123456")
        #expect(transport.forms[0]["DurationSeconds"] == "28800")
        #expect(transport.forms[1]["TokenCode"] == nil)
        #expect(signingKeyIds(transport) == ["AKIAIOSFODNN7EXAMPLE", "ASIASESSION", "ASIASESSION"])

        // Both answers come from the cache now.
        #expect(
            try provider(transport, terminal: terminal).credentials(profile: "r1").accessKeyId == "ASIAR1")
        #expect(
            try provider(transport, terminal: terminal).credentials(profile: "r2").accessKeyId == "ASIAR2")
        #expect(transport.requests.count == 3)
    }

    /// What the awskeyring-helper program answers alone: a cached session with enough time left, or stored
    /// keys that need no STS call; nil (and no request, no prompt) whenever STS or a person is needed.
    @Test func theKeyringAloneAnswersOnlyWhatNeedsNoSTSCallOrPrompt() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIAPLAIN", expiration: Self.start + 3600)
        ])
        let terminal = ScriptedTerminal(answers: [])
        #expect(
            try provider(transport, terminal: terminal).credentialsFromKeyring(profile: "plain-role") == nil)
        #expect(try provider(transport, terminal: terminal).credentialsFromKeyring(profile: "r1") == nil)
        #expect(transport.requests.isEmpty && terminal.prompts.isEmpty)

        #expect(try provider(transport).credentials(profile: "plain-role").accessKeyId == "ASIAPLAIN")
        #expect(
            try provider(transport, terminal: terminal).credentialsFromKeyring(profile: "plain-role")?
                .accessKeyId
                == "ASIAPLAIN")
        #expect(
            try provider(transport, terminal: terminal).credentialsFromKeyring(profile: "base")?.accessKeyId
                == "AKIAIOSFODNN7EXAMPLE")
        advance(3600 - 15 * 60)
        #expect(
            try provider(transport, terminal: terminal).credentialsFromKeyring(profile: "plain-role") == nil)
        #expect(transport.requests.count == 1 && terminal.prompts.isEmpty)
    }

    @Test func credentialsAreHandedOutOnlyWithMoreThanFifteenMinutesLeft() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIAOLD", expiration: Self.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIANEW", expiration: Self.start + 2 * 3600),
        ])
        #expect(try provider(transport).credentials(profile: "plain-role").accessKeyId == "ASIAOLD")
        advance(3600 - 15 * 60 - 1)
        #expect(try provider(transport).credentials(profile: "plain-role").accessKeyId == "ASIAOLD")
        advance(1)
        #expect(try provider(transport).credentials(profile: "plain-role").accessKeyId == "ASIANEW")
        #expect(transport.requests.count == 2)
    }

    @Test func refreshSkipsCachedRolesButKeepsTheMFASession() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("GetSessionToken", id: "ASIASESSION", expiration: Self.start + 8 * 3600),
            STSReply.credentials("AssumeRole", id: "ASIAR1", expiration: Self.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIAR1B", expiration: Self.start + 3600),
        ])
        let terminal = ScriptedTerminal(answers: ["123456"])
        _ = try provider(transport, terminal: terminal).credentials(profile: "r1")
        #expect(
            try provider(transport, terminal: terminal).credentials(profile: "r1", refresh: true).accessKeyId
                == "ASIAR1B")
        #expect(actions(transport) == ["GetSessionToken", "AssumeRole", "AssumeRole"])
        #expect(terminal.prompts.count == 1)
    }

    @Test func aRejectedCodeIsAskedForAgain() throws {
        let transport = ScriptedTransport([
            STSReply.error(
                "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                status: 403),
            STSReply.credentials("GetSessionToken", id: "ASIASESSION", expiration: Self.start + 8 * 3600),
            STSReply.credentials("AssumeRole", id: "ASIAR1", expiration: Self.start + 3600),
        ])
        let terminal = ScriptedTerminal(answers: ["111111", "12345", "222222"])
        #expect(
            try provider(transport, terminal: terminal).credentials(profile: "r1").accessKeyId == "ASIAR1")
        #expect(transport.forms.compactMap { $0["TokenCode"] } == ["111111", "222222"])
        #expect(terminal.screen.contains("AWS rejected that code"))
        #expect(terminal.screen.contains("An MFA code is six digits."))
    }

    @Test func withoutATerminalOrMFAProcessTheErrorSaysWhatToDo() throws {
        let transport = ScriptedTransport([])
        let error = #expect(throws: MFAError.noTerminal(profile: "r1", serial: Self.mfa)) {
            try provider(transport).credentials(profile: "r1")
        }
        #expect(error?.description.contains("mfa_process") == true)
        #expect(error?.description.contains("in a terminal") == true)
        #expect(transport.requests.isEmpty)
    }

    @Test func mfaProcessSuppliesTheCode() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("GetSessionToken", id: "ASIASESSION", expiration: Self.start + 8 * 3600),
            STSReply.credentials("AssumeRole", id: "ASIAR1", expiration: Self.start + 3600),
        ])
        #expect(try provider(transport).credentials(profile: "by-process").accessKeyId == "ASIAR1")
        #expect(transport.forms[0]["TokenCode"] == "654321")
    }

    @Test func directModePassesTheCodeToAssumeRole() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIADIRECT", expiration: Self.start + 3600)
        ])
        let terminal = ScriptedTerminal(answers: ["333333"])
        #expect(
            try provider(transport, terminal: terminal).credentials(profile: "direct").accessKeyId
                == "ASIADIRECT")
        #expect(actions(transport) == ["AssumeRole"])
        #expect(transport.forms[0]["SerialNumber"] == Self.mfa)
        #expect(transport.forms[0]["TokenCode"] == "333333")
        #expect(signingKeyIds(transport) == ["AKIAIOSFODNN7EXAMPLE"])
    }

    @Test func chainedRolesAreCappedAtOneHour() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIAPLAIN", expiration: Self.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIACHAINED", expiration: Self.start + 3600),
        ])
        #expect(try provider(transport).credentials(profile: "chained").accessKeyId == "ASIACHAINED")
        #expect(transport.forms[1]["DurationSeconds"] == "3600")
        #expect(signingKeyIds(transport) == ["AKIAIOSFODNN7EXAMPLE", "ASIAPLAIN"])
    }

    @Test func aCorruptCacheEntryIsDiscardedAndRebuilt() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIAFIRST", expiration: Self.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIASECOND", expiration: Self.start + 3600),
        ])
        _ = try provider(transport).credentials(profile: "plain-role")
        let entry = try #require(store.all.first { $0.attributes["kind"] == "session" })
        try store.store(secret: "{not json", label: entry.label, attributes: entry.attributes)
        #expect(try provider(transport).credentials(profile: "plain-role").accessKeyId == "ASIASECOND")
        #expect(
            store.all.filter { $0.attributes["kind"] == "session" }.map(\.secret).allSatisfy {
                !$0.hasPrefix("{not")
            })
    }

    /// The sessions are left in the keyring (`store` also deletes them: KeyManagerTests), as when another
    /// tool replaced the keys: bound to the keys they were made from, they are not handed out.
    @Test func replacedKeysGetNoSessionMadeFromTheOldOnes() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIAFIRST", expiration: Self.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIASECOND", expiration: Self.start + 3600),
        ])
        _ = try provider(transport).credentials(profile: "plain-role")
        try CredentialKeyring(store: store).storeKeys(
            LongLivedKeys(
                accessKeyId: "AKIAI44QH8DHBEXAMPLE",
                secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
            profile: "base")
        #expect(try provider(transport).credentials(profile: "plain-role").accessKeyId == "ASIASECOND")
        #expect(signingKeyIds(transport) == ["AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"])
    }

    @Test(.enabled(if: KernelKeyring().store([1], description: "awskeyring-helper-probe", lifetime: 1)))
    func theOptInKernelTierAnswersWithoutTheSecretService() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIAKERNEL", expiration: Self.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIAOTHER", expiration: Self.start + 3600),
        ])
        func provider(store: InMemorySecretStore, kernel: Bool) throws -> CredentialProvider {
            var provider = try self.provider(transport)
            let keyring = CredentialKeyring(store: store)
            provider.keyring = keyring
            provider.cache = SessionCache(keyring: keyring, kernel: kernel ? KernelCacheTier() : nil)
            return provider
        }
        let cache = SessionCache(keyring: CredentialKeyring(store: store))
        try cache.clear(profile: "plain-role")
        defer { _ = try? cache.clear(profile: "plain-role") }

        #expect(
            try provider(store: store, kernel: true).credentials(profile: "plain-role").accessKeyId
                == "ASIAKERNEL")
        // A Secret Service that has nothing: the kernel tier still answers when it is on, and only then.
        let empty = InMemorySecretStore()
        try CredentialKeyring(store: empty).storeKeys(
            LongLivedKeys(
                accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            profile: "base")
        #expect(
            try provider(store: empty, kernel: true).credentials(profile: "plain-role").accessKeyId
                == "ASIAKERNEL")
        #expect(transport.requests.count == 1)
        #expect(
            try provider(store: empty, kernel: false).credentials(profile: "plain-role").accessKeyId
                == "ASIAOTHER")

        // Clearing the profile empties the kernel tier too.
        try cache.clear(profile: "plain-role")
        let error = #expect(throws: CredentialError.self) {
            try provider(store: InMemorySecretStore(), kernel: true).credentials(profile: "plain-role")
        }
        guard case .noKeys(profile: "base", _)? = error else {
            Issue.record("expected no keys for 'base', got \(String(describing: error))")
            return
        }
    }

    @Test func aCachedSessionIsNotHandedOutOnceTheStoredKeysChanged() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIAFIRST", expiration: Self.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIASECOND", expiration: Self.start + 3600),
        ])
        #expect(try provider(transport).credentials(profile: "plain-role").accessKeyId == "ASIAFIRST")
        #expect(try provider(transport).credentials(profile: "plain-role").accessKeyId == "ASIAFIRST")
        // Another tool replaces the item: the cache is not told, the binding notices.
        try CredentialKeyring(store: store).storeKeys(
            LongLivedKeys(
                accessKeyId: "AKIAI44QH8DHBEXAMPLE",
                secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
            profile: "base")
        #expect(try provider(transport).credentials(profile: "plain-role").accessKeyId == "ASIASECOND")
        #expect(signingKeyIds(transport) == ["AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"])
        // Keys removed behind the tool's back: no session is handed out at all.
        _ = try CredentialKeyring(store: store).removeKeys(profile: "base")
        let error = #expect(throws: CredentialError.self) {
            try provider(transport).credentials(profile: "plain-role")
        }
        guard case .noKeys(profile: "base", _)? = error else {
            Issue.record("expected no keys for 'base', got \(String(describing: error))")
            return
        }
    }

    @Test func longLivedKeysAreNotCached() throws {
        let transport = ScriptedTransport([])
        let credentials = try provider(transport).credentials(profile: "base")
        #expect(
            credentials
                == AWSCredentials(
                    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
        #expect(store.all.count == 1)
    }
}
