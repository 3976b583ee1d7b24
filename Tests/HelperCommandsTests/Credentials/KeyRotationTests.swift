import Keyring
import Synchronization
import TestSupport
import Testing

@testable import AWSQuery
@testable import CredentialResolution
@testable import CredentialValues
@testable import HelperCommands
@testable import KeyringItems

/// Every step of `rotate` failing in turn: the old key must stay stored and usable.
@Suite struct KeyRotationTests {
    static let oldKeys: LongLivedKeys = {
        do {
            return try LongLivedKeys(
                accessKeyId: "AKIAOLDOLDOLDOLDOLDO",
                secretAccessKey: "oldoldoldoldoldoldoldoldoldoldoldoldold/")
        } catch {
            fatalError("the test keys have the shape of AWS keys")
        }
    }()
    static let newId = "AKIANEWNEWNEWNEWNEWN"
    static let newSecret = "newnewnewnewnewnewnewnewnewnewnewnewnew+"
    static let now = 1_795_827_723

    static func created() -> Result<HTTPResponse, HTTPFailure> {
        xml(
            """
            <CreateAccessKeyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateAccessKeyResult>\
            <AccessKey><UserName>me</UserName><AccessKeyId>\(newId)</AccessKeyId><Status>Active</Status>\
            <SecretAccessKey>\(newSecret)</SecretAccessKey></AccessKey></CreateAccessKeyResult>\
            </CreateAccessKeyResponse>
            """)
    }
    static func identity() -> Result<HTTPResponse, HTTPFailure> {
        xml(
            """
            <GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/me</Arn>\
            <UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>
            """)
    }
    /// ListAccessKeys: the user's keys (the stored one alone unless told).
    static func listed(_ ids: [String] = [oldKeys.accessKeyId]) -> Result<HTTPResponse, HTTPFailure> {
        let members = ids.map {
            "<member><UserName>me</UserName><AccessKeyId>\($0)</AccessKeyId><Status>Active</Status>"
                + "<CreateDate>2026-11-30T10:00:00Z</CreateDate></member>"
        }.joined()
        return xml(
            """
            <ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListAccessKeysResult>\
            <IsTruncated>false</IsTruncated><AccessKeyMetadata>\(members)</AccessKeyMetadata>\
            </ListAccessKeysResult></ListAccessKeysResponse>
            """)
    }
    static func deleted() -> Result<HTTPResponse, HTTPFailure> {
        xml(
            "<DeleteAccessKeyResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteAccessKeyResponse>"
        )
    }
    static func xml(_ body: String) -> Result<HTTPResponse, HTTPFailure> {
        .success(HTTPResponse(status: 200, contentType: "text/xml", body: Array(body.utf8)))
    }

    struct Setup {
        let store: InMemorySecretStore
        let keyring: CredentialKeyring
        let transport: ScriptedTransport
        let rotation: KeyRotation
        let clock: TestClock
    }

    /// A rotation of profile p whose IAM first answers ListAccessKeys with `listed` (p's key alone by
    /// default), then `answers`.
    func setup(
        _ answers: [Result<HTTPResponse, HTTPFailure>], store: (any SecretStore)? = nil,
        listed: Result<HTTPResponse, HTTPFailure> = listed()
    ) throws
        -> Setup
    {
        let memory = InMemorySecretStore()
        let keyring = CredentialKeyring(store: store ?? memory)
        try keyring.storeKeys(Self.oldKeys, profile: "p")
        let transport = ScriptedTransport([listed] + answers)
        let files = try configFiles("[profile p]\nregion = eu-west-1\n")
        let stsConfig = try STSConfiguration(profile: "p", files: files, environment: [:])
        let iamConfig = try IAMConfiguration(profile: "p", files: files, environment: [:], sts: stsConfig)
        let clock = TestClock(Self.now)
        let connection = QueryConnection(transport: transport, clock: clock, random: { 0 })
        let rotation = KeyRotation(
            keyring: keyring, iam: IAMClient(configuration: iamConfig, connection: connection),
            sts: STSClient(configuration: stsConfig, connection: connection), diagnostics: { _ in },
            clock: clock)
        return Setup(store: memory, keyring: keyring, transport: transport, rotation: rotation, clock: clock)
    }

    func authorizationKeyId(_ request: HTTPRequest) -> String? {
        guard let value = request.headers.first(where: { $0.name == "Authorization" })?.value else {
            return nil
        }
        let parts = value.split(separator: "Credential=", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        return String(parts[1].prefix { $0 != "/" })
    }

    @Test func createsStoresVerifiesThenDeletesTheOldKeyWithTheNewOne() throws {
        let s = try setup([Self.created(), Self.identity(), Self.deleted()])
        try s.keyring.storeCachedCredentials(
            AWSCredentials(
                accessKeyId: "ASIA", secretAccessKey: "x", sessionToken: "t", expiration: Self.now + 999),
            cacheKey: "k", profile: "p", sourceProfile: "p", sourceKey: nil, description: "d")
        let new = try s.rotation.rotate(profile: "p")
        #expect(new.accessKeyId == Self.newId)
        #expect(try s.keyring.keys(profile: "p") == new)
        let requests = s.transport.requests
        #expect(
            requests.map(\.url) == [
                "https://iam.amazonaws.com/", "https://iam.amazonaws.com/",
                "https://sts.eu-west-1.amazonaws.com/",
                "https://iam.amazonaws.com/",
            ])
        #expect(
            s.transport.forms.map { $0["Action"] } == [
                "ListAccessKeys", "CreateAccessKey", "GetCallerIdentity", "DeleteAccessKey",
            ])
        #expect(s.transport.forms[1]["Version"] == "2010-05-08")
        #expect(s.transport.forms[3]["AccessKeyId"] == Self.oldKeys.accessKeyId)
        #expect(
            requests.map { authorizationKeyId($0) } == [
                Self.oldKeys.accessKeyId, Self.oldKeys.accessKeyId, Self.newId, Self.newId,
            ])
        let auth = try #require(requests[1].headers.first { $0.name == "Authorization" }?.value)
        #expect(auth.contains("/us-east-1/iam/aws4_request"))
        #expect(try s.keyring.cachedSession(cacheKey: "k") == nil)
    }

    @Test func aFailedCreateChangesNothing() throws {
        let s = try setup([
            STSReply.error("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", status: 409)
        ])
        if let error = thrown(RotationError.self, { try s.rotation.rotate(profile: "p") }) {
            guard case .notCreated = error else { Issue.record("\(error)"); return }
            #expect(error.serviceError?.code == "LimitExceeded")
            #expect(error.description.contains("Nothing changed"))
            #expect(error.description.contains("already has two access keys"))
        }
        #expect(try s.keyring.keys(profile: "p") == Self.oldKeys)
    }

    @Test func aNewKeyThatNeverWorksIsRolledBack() throws {
        let invalid = STSReply.error(
            "InvalidClientTokenId", "The security token included in the request is invalid", status: 403)
        let s = try setup([Self.created()] + Array(repeating: invalid, count: 9) + [Self.deleted()])
        if let error = thrown(RotationError.self, { try s.rotation.rotate(profile: "p") }) {
            guard case .rolledBack(profile: "p", cause: .newKeyUnusable, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(error.serviceError?.code == "InvalidClientTokenId")
            #expect(error.description.contains("did not work with STS GetCallerIdentity"))
            #expect(error.description.contains("old access key \(Self.oldKeys.accessKeyId) is stored"))
            #expect(error.description.contains("new key \(Self.newId) was deleted in IAM again"))
        }
        #expect(try s.keyring.keys(profile: "p") == Self.oldKeys)
        // Retried while the key could still be propagating, then gave up.
        #expect(s.clock.waits.count == 8)
        let last = try #require(s.transport.requests.last)
        #expect(s.transport.forms.last?["Action"] == "DeleteAccessKey")
        #expect(s.transport.forms.last?["AccessKeyId"] == Self.newId)
        #expect(authorizationKeyId(last) == Self.oldKeys.accessKeyId)
    }

    @Test func aNewKeyThatStartsWorkingLaterIsAccepted() throws {
        let invalid = STSReply.error("InvalidClientTokenId", "invalid", status: 403)
        let s = try setup([Self.created(), invalid, invalid, Self.identity(), Self.deleted()])
        try s.rotation.rotate(profile: "p")
        #expect(try s.keyring.keys(profile: "p")?.accessKeyId == Self.newId)
    }

    @Test func whenTheServiceIsGoneTheRollbackSaysWhatIsLeft() throws {
        let gone = Result<HTTPResponse, HTTPFailure>.failure(HTTPFailure(kind: .tls, detail: "refused"))
        let s = try setup([Self.created(), gone, gone])
        if let error = thrown(RotationError.self, { try s.rotation.rotate(profile: "p") }) {
            guard case .rolledBack(profile: "p", cause: .newKeyUnusable(let cause), _) = error,
                case .transport(let failure, _, _, _) = cause as? AWSQueryError
            else {
                Issue.record("\(error)")
                return
            }
            #expect(failure.kind == .tls)
            #expect(error.description.contains("old access key \(Self.oldKeys.accessKeyId) is stored"))
            #expect(error.description.contains("aws iam delete-access-key --access-key-id \(Self.newId)"))
        }
        #expect(try s.keyring.keys(profile: "p") == Self.oldKeys)
    }

    @Test func aFailedStoreKeepsTheOldKeyAndDeletesTheNewOne() throws {
        let store = StoreFailsAfter(allowedStores: 1)
        let s = try setup([Self.created(), Self.deleted()], store: store)
        if let error = thrown(RotationError.self, { try s.rotation.rotate(profile: "p") }) {
            guard case .rolledBack(profile: "p", cause: .storeFailed(profile: "p", _), _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(error.description.contains("storing the new key for profile 'p' failed"))
            #expect(error.description.contains("new key \(Self.newId) was deleted in IAM again"))
        }
        #expect(try s.keyring.keys(profile: "p") == Self.oldKeys)
        #expect(
            s.transport.forms.map { $0["Action"] } == [
                "ListAccessKeys", "CreateAccessKey", "DeleteAccessKey",
            ])
    }

    @Test func aFailedDeleteOfTheOldKeyKeepsTheWorkingNewOne() throws {
        let s = try setup([
            Self.created(), Self.identity(), STSReply.error("AccessDenied", "no", status: 403),
        ])
        if let error = thrown(RotationError.self, { try s.rotation.rotate(profile: "p") }) {
            guard
                case .oldKeyNotDeleted(
                    _, newKeyId: Self.newId, holders: ["p"], oldKeyId: Self.oldKeys.accessKeyId) = error
            else {
                Issue.record("\(error)")
                return
            }
            #expect(error.serviceError?.code == "AccessDenied")
            #expect(error.description.contains("new access key \(Self.newId) is stored"))
            #expect(
                error.description.contains(
                    "aws iam delete-access-key --access-key-id \(Self.oldKeys.accessKeyId)"))
        }
        #expect(try s.keyring.keys(profile: "p")?.accessKeyId == Self.newId)
    }

    @Test func aSpareKeyInIAMStopsTheRotationBeforeAnythingChanges() throws {
        let spare = "AKIASPARESPARESPARE0"
        let s = try setup([], listed: Self.listed([Self.oldKeys.accessKeyId, spare]))
        if let error = thrown(RotationError.self, { try s.rotation.rotate(profile: "p") }) {
            guard case .spareKey(_, profile: "p", oldKeyId: Self.oldKeys.accessKeyId) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(error.description.contains("IAM user me also has access key \(spare) (Active, created"))
            #expect(error.description.contains("no profile in the keyring holds"))
            #expect(
                error.description.contains(
                    "awskeyring-helper exec --profile p -- aws iam delete-access-key --access-key-id \(spare)"
                ))
            #expect(error.description.contains("Nothing changed"))
        }
        #expect(s.transport.forms.map { $0["Action"] } == ["ListAccessKeys"])
        #expect(try s.keyring.keys(profile: "p") == Self.oldKeys)
    }

    @Test func aKeyThatMayNotListItsKeysStillRotates() throws {
        let s = try setup(
            [Self.created(), Self.identity(), Self.deleted()],
            listed: STSReply.error("AccessDenied", "not allowed", status: 403))
        #expect(try s.rotation.rotate(profile: "p").accessKeyId == Self.newId)
    }

    @Test func everyProfileHoldingTheKeyMovesToTheNewOne() throws {
        let s = try setup([Self.created(), Self.identity(), Self.deleted()])
        try s.keyring.storeKeys(Self.oldKeys, profile: "prod")
        let other = try LongLivedKeys(
            accessKeyId: "AKIAOTHEROTHEROTHER0", secretAccessKey: "otherotherotherotherotherotherotherothe/")
        try s.keyring.storeKeys(other, profile: "unrelated")
        let new = try s.rotation.rotate(profile: "p")
        #expect(try s.keyring.keys(profile: "p") == new)
        #expect(try s.keyring.keys(profile: "prod") == new)
        #expect(try s.keyring.keys(profile: "unrelated") == other)
    }

    @Test func aFailedStoreForASharingProfilePutsEveryPairBack() throws {
        let store = StoreFailsForProfile(profile: "prod")
        let s = try setup([Self.created(), Self.deleted()], store: store)
        try s.keyring.storeKeys(Self.oldKeys, profile: "prod")
        store.armed.withLock { $0 = true }
        if let error = thrown(RotationError.self, { try s.rotation.rotate(profile: "p") }) {
            guard case .rolledBack(profile: "p", cause: .storeFailed(profile: "prod", _), _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(error.description.contains("storing the new key for profile 'prod' failed"))
            #expect(error.description.contains("new key \(Self.newId) was deleted in IAM again"))
        }
        #expect(try s.keyring.keys(profile: "p") == Self.oldKeys)
        #expect(try s.keyring.keys(profile: "prod") == Self.oldKeys)
        #expect(s.transport.forms.last?["AccessKeyId"] == Self.newId)
    }

    @Test func withoutStoredKeysNothingIsCalled() throws {
        let transport = ScriptedTransport([])
        let files = try configFiles("")
        let sts = try STSConfiguration(profile: "q", files: files, environment: [:])
        let rotation = KeyRotation(
            keyring: CredentialKeyring(store: InMemorySecretStore()),
            iam: IAMClient(
                configuration: try IAMConfiguration(profile: "q", files: files, environment: [:], sts: sts),
                connection: QueryConnection(transport: transport, clock: TestClock())),
            sts: STSClient(
                configuration: sts, connection: QueryConnection(transport: transport, clock: TestClock())),
            diagnostics: { _ in }, clock: TestClock())
        #expect(throws: KeyCommandError.nothingToRotate(profile: "q")) { try rotation.rotate(profile: "q") }
        #expect(transport.requests.isEmpty)
    }

    @Test func iamEndpointsFollowTheSDKSettings() throws {
        let files = try configFiles(
            "[profile p]\nservices = s\n[services s]\niam =\n  endpoint_url = http://127.0.0.1:5000\n[profile c]\nregion = cn-north-1\n"
        )
        let sts = try STSConfiguration(profile: "p", files: files, environment: [:])
        #expect(
            try IAMConfiguration(profile: "p", files: files, environment: [:], sts: sts).endpoint
                == "http://127.0.0.1:5000")
        #expect(
            try IAMConfiguration(
                profile: "p", files: files, environment: ["AWS_ENDPOINT_URL_IAM": "https://iam.example"],
                sts: sts
            ).endpoint == "https://iam.example")
        let china = try IAMConfiguration(profile: "c", files: files, environment: [:], sts: sts)
        #expect(china.endpoint == "https://iam.cn-north-1.amazonaws.com.cn")
        #expect(china.signingRegion == "cn-north-1")
        #expect(
            try IAMConfiguration(profile: "none", files: files, environment: [:], sts: sts).endpoint
                == "https://iam.amazonaws.com")
    }
}

/// A store whose `store` fails after the first `allowedStores` calls; everything else works.
final class StoreFailsAfter: SecretStore {
    let inner = InMemorySecretStore()
    let remaining: Mutex<Int>
    init(allowedStores: Int) { remaining = Mutex(allowedStores) }

    func store(secret: String, label: String, attributes: [String: String]) throws(KeyringError) {
        let allowed = remaining.withLock { value -> Bool in
            value -= 1
            return value >= 0
        }
        guard allowed else { throw .locked(detail: "collection is locked") }
        try inner.store(secret: secret, label: label, attributes: attributes)
    }
    func lookup(attributes: [String: String]) throws(KeyringError) -> String? {
        try inner.lookup(attributes: attributes)
    }
    func delete(attributes: [String: String]) throws(KeyringError) -> Bool {
        try inner.delete(attributes: attributes)
    }
    func search(attributes: [String: String]) throws(KeyringError) -> [KeyringItem] {
        try inner.search(attributes: attributes)
    }
}

/// A store whose `store` fails for one profile's items once armed; everything else works.
final class StoreFailsForProfile: SecretStore {
    let inner = InMemorySecretStore()
    let profile: String
    let armed = Mutex(false)
    init(profile: String) { self.profile = profile }

    func store(secret: String, label: String, attributes: [String: String]) throws(KeyringError) {
        if armed.withLock({ $0 }), attributes["profile"] == profile {
            throw .locked(detail: "collection is locked")
        }
        try inner.store(secret: secret, label: label, attributes: attributes)
    }
    func lookup(attributes: [String: String]) throws(KeyringError) -> String? {
        try inner.lookup(attributes: attributes)
    }
    func delete(attributes: [String: String]) throws(KeyringError) -> Bool {
        try inner.delete(attributes: attributes)
    }
    func search(attributes: [String: String]) throws(KeyringError) -> [KeyringItem] {
        try inner.search(attributes: attributes)
    }
}
