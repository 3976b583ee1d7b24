import Keyring
import TestSupport
import Testing

@testable import AWSConfigFile
@testable import AWSQuery
@testable import CredentialResolution
@testable import CredentialValues
@testable import HelperCommands
@testable import KeyringItems
@testable import SystemAccess

/// `doctor`'s checks for leftovers: import backups holding keys, and spare access keys in IAM.
@Suite struct DoctorLeftoversTests {
    static let environment = [
        "HOME": "/h", "AWS_CONFIG_FILE": "/h/.aws/config",
        "AWS_SHARED_CREDENTIALS_FILE": "/h/.aws/credentials",
        "AWS_ENDPOINT_URL_IAM": "https://iam.example",
    ]
    static let unlocked = SecretServiceHealth.defaultCollection(label: "Login", locked: false)
    static let keyA = "AKIAAAAAAAAAAAAAAAAA"
    static let keyB = "AKIABBBBBBBBBBBBBBBB"

    static func keys(_ id: String) throws -> LongLivedKeys {
        try LongLivedKeys(accessKeyId: id, secretAccessKey: "secretsecretsecretsecretsecretsecret/+ab")
    }

    func doctor(
        files: [String: String], entries: [String] = [], stored: [String: String] = [:],
        transport: (any HTTPTransport)? = nil
    ) throws -> DoctorChecks {
        let keyring = CredentialKeyring(store: InMemorySecretStore())
        for (profile, id) in stored { try keyring.storeKeys(try Self.keys(id), profile: profile) }
        var doctor = DoctorChecks(
            health: Self.unlocked, keyring: keyring, environment: Self.environment, clock: SystemClock()
        ) {
            path throws(ConfigFileError) in files[path].map { Array($0.utf8) }
        }
        doctor.listDirectory = { $0 == "/h/.aws" ? entries : nil }
        doctor.iamTransport = transport
        return doctor
    }

    static func listed(_ ids: [String]) -> Result<HTTPResponse, HTTPFailure> {
        let members = ids.map {
            "<member><UserName>me</UserName><AccessKeyId>\($0)</AccessKeyId><Status>Active</Status>"
                + "<CreateDate>2026-11-30T10:00:00Z</CreateDate></member>"
        }.joined()
        let body = """
            <ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata>\(members)</AccessKeyMetadata>\
            </ListAccessKeysResult></ListAccessKeysResponse>
            """
        return .success(HTTPResponse(status: 200, contentType: "text/xml", body: Array(body.utf8)))
    }

    @Test func backupNames() {
        #expect(DoctorChecks.isBackupName("credentials.bak-20261201T101010Z", prefix: "credentials.bak-"))
        #expect(!DoctorChecks.isBackupName("credentials.bak-20261201T101010", prefix: "credentials.bak-"))
        #expect(!DoctorChecks.isBackupName("credentials.bak-2026120XT101010Z", prefix: "credentials.bak-"))
        #expect(!DoctorChecks.isBackupName("config.bak-20261201T101010Z", prefix: "credentials.bak-"))
    }

    @Test func backupsHoldingSecretsAreProblemsWithTheirCommand() throws {
        let pair = "aws_access_key_id = \(Self.keyA)\naws_secret_access_key = s\n"
        let doctor = try doctor(
            files: [
                "/h/.aws/credentials.bak-20261201T101010Z": "[a]\n\(pair)[b]\n\(pair)",
                "/h/.aws/credentials.bak-20261201T111111Z": "[a]\nregion = x\n",
            ],
            entries: [
                "credentials", "credentials.bak-20261201T101010Z", "credentials.bak-20261201T111111Z",
                "credentials.bak-old",
            ], stored: ["a": Self.keyA])
        let findings = doctor.backupFindings()
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(!finding.ok)
        #expect(finding.subject == "backup ~/.aws/credentials.bak-20261201T101010Z")
        #expect(finding.detail.contains("'a', 'b'"))
        // b's keys are not in the keyring: import first.
        #expect(finding.fix?.contains("keys of 'b'") == true)
        #expect(finding.fix?.hasSuffix("rm ~/.aws/credentials.bak-20261201T101010Z") == true)
    }

    @Test func aSpareKeyNothingHoldsIsAProblemWithTheDeleteCommand() throws {
        let transport = ScriptedTransport([Self.listed([Self.keyA, Self.keyB])])
        let doctor = try doctor(
            files: ["/h/.aws/config": ""], stored: ["me": Self.keyA, "me2": Self.keyA], transport: transport)
        let findings = doctor.accessKeyFindings(try configFiles(""))
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(!finding.ok)
        #expect(finding.subject == "IAM keys of profile me, me2")
        #expect(finding.detail.contains("\(Self.keyB) (Active, created 2026-11-30T10:00:00Z)"))
        #expect(
            finding.fix
                == "if nothing else uses \(Self.keyB), delete it: awskeyring-helper exec --profile me -- aws iam delete-access-key --access-key-id \(Self.keyB)"
        )
        // Asked once for the key both profiles hold, at the configured endpoint, signed with it.
        #expect(transport.requests.map(\.url) == ["https://iam.example/"])
        #expect(transport.forms.first?["Action"] == "ListAccessKeys")
    }

    @Test func aSpareKeyAnotherProfileHoldsIsFine() throws {
        let transport = ScriptedTransport([
            Self.listed([Self.keyA, Self.keyB]), Self.listed([Self.keyA, Self.keyB]),
        ])
        let doctor = try doctor(
            files: ["/h/.aws/config": ""], stored: ["a": Self.keyA, "b": Self.keyB], transport: transport)
        let findings = doctor.accessKeyFindings(try configFiles(""))
        #expect(findings.count == 2)
        #expect(findings.filter { !$0.ok }.isEmpty)
        #expect(findings[0].detail.contains("stored for profile 'b'"))
    }

    @Test func aKeyIAMRejectsIsAProblemAndAnUnreachableIAMIsAskedOnce() throws {
        let transport = ScriptedTransport([
            STSReply.error(
                "InvalidClientTokenId", "The security token included in the request is invalid", status: 403),
            .failure(HTTPFailure(kind: .connect, detail: "refused")),
        ])
        let doctor = try doctor(
            files: ["/h/.aws/config": ""],
            stored: ["a": Self.keyA, "b": Self.keyB, "c": "AKIACCCCCCCCCCCCCCCC"],
            transport: transport)
        let findings = doctor.accessKeyFindings(try configFiles(""))
        #expect(findings.map(\.ok) == [false, true, true])
        #expect(findings[0].detail.contains("IAM does not accept the stored access key \(Self.keyA)"))
        #expect(findings[0].fix == "store a working key: awskeyring-helper store --profile a --force")
        #expect(findings[1].detail.hasPrefix("not checked"))
        #expect(findings[2].detail == findings[1].detail)
        #expect(transport.requests.count == 2)
    }

    @Test func offlineMeansNoRequest() throws {
        let doctor = try doctor(files: ["/h/.aws/config": ""], stored: ["a": Self.keyA])
        #expect(doctor.accessKeyFindings(try configFiles("")).isEmpty)
    }
}
