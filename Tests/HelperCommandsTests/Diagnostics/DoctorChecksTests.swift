import Keyring
import TestSupport
import Testing

@testable import AWSConfigFile
@testable import CredentialResolution
@testable import CredentialValues
@testable import HelperCommands
@testable import KeyringItems

@Suite struct DoctorChecksTests {
    static let unlocked = SecretServiceHealth.defaultCollection(label: "Login", locked: false)
    static let environment = [
        "HOME": "/h", "AWS_CONFIG_FILE": "/h/config", "AWS_SHARED_CREDENTIALS_FILE": "/h/credentials",
    ]

    func checks(
        health: SecretServiceHealth = unlocked, config: String?, credentials: String? = nil,
        stored: [String] = []
    ) throws -> [DoctorFinding] {
        let keyring = CredentialKeyring(store: InMemorySecretStore())
        for profile in stored {
            try keyring.storeKeys(
                try LongLivedKeys(
                    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                profile: profile)
        }
        var doctor = DoctorChecks(
            health: health, keyring: keyring, environment: Self.environment, clock: TestClock()
        ) {
            path throws(ConfigFileError) in
            switch path {
            case "/h/config": return config.map { Array($0.utf8) }
            case "/h/credentials": return credentials.map { Array($0.utf8) }
            default: return nil
            }
        }
        doctor.findProgram = { program, _ in
            program == "awskeyring-helper" ? "/usr/bin/awskeyring-helper" : nil
        }
        return doctor.findings()
    }

    func problems(_ findings: [DoctorFinding]) -> [DoctorFinding] { findings.filter { !$0.ok } }

    @Test func aHealthySetupHasNoProblems() throws {
        let findings = try checks(
            config: """
                [profile base]
                region = eu-west-1
                [profile admin]
                role_arn = arn:aws:iam::123456789012:role/admin
                source_profile = base
                [profile viaprocess]
                credential_process = awskeyring-helper --profile admin
                [default]
                output = json
                """, stored: ["base"])
        #expect(problems(findings).isEmpty)
        #expect(
            findings.map(\.subject).prefix(5) == [
                "D-Bus session bus", "Secret Service", "default keyring 'Login'", "config file ~/config",
                "credentials file ~/credentials",
            ])
        #expect(
            findings.contains {
                $0.subject == "profile admin" && $0.detail.contains("arn:aws:iam::123456789012:role/admin")
            })
    }

    @Test func keyringProblemsCarryTheirFix() throws {
        let noBus = try checks(health: .noSessionBus(.noSessionBus(detail: "Could not connect")), config: nil)
        #expect(problems(noBus).map(\.subject) == ["D-Bus session bus"])
        #expect(problems(noBus)[0].fix?.contains("dbus-run-session") == true)

        let noService = try checks(
            health: .noService(.serviceUnavailable(detail: "not provided")), config: nil)
        #expect(problems(noService).map(\.subject) == ["Secret Service"])
        #expect(problems(noService)[0].fix?.contains("install gnome-keyring") == true)

        let locked = try checks(health: .defaultCollection(label: "Login", locked: true), config: nil)
        #expect(problems(locked).map(\.detail) == ["locked"])
        #expect(
            problems(locked)[0].line.hasPrefix("problem default keyring 'Login': locked -- fix: unlock it"))
        #expect(problems(locked)[0].fix?.contains("awskeyring-helper unlock") == true)
    }

    @Test func aBrokenFileIsNamedWithItsLine() throws {
        let findings = try checks(config: "[profile a]\nregion = x\nnot an option\n")
        let problem = try #require(problems(findings).first)
        #expect(problem.subject == "config file ~/config")
        #expect(problem.detail.contains("line 3"))
        #expect(problem.fix?.contains("correct line 3") == true)
        // No profile checks on files that do not parse.
        #expect(!findings.contains { $0.subject.hasPrefix("profile") })
    }

    @Test func plainTextKeysPointAtImport() throws {
        let findings = try checks(
            config: "",
            credentials: "[old]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n")
        let problem = try #require(problems(findings).first)
        #expect(problem.subject == "profile old")
        #expect(problem.fix == "awskeyring-helper import --profile old --remove-from-file")
        #expect(!problem.line.contains("aws_secret_access_key = s"))
    }

    @Test func missingSourceKeysPointAtStore() throws {
        let findings = try checks(
            config: """
                [profile admin]
                role_arn = arn:aws:iam::123456789012:role/admin
                source_profile = base
                [profile base]
                region = eu-west-1
                [profile loop]
                role_arn = arn:aws:iam::123456789012:role/x
                source_profile = loop2
                [profile loop2]
                role_arn = arn:aws:iam::123456789012:role/y
                source_profile = loop
                """)
        let found = problems(findings)
        #expect(
            found.contains {
                $0.subject == "profile admin" && $0.fix == "awskeyring-helper store --profile base"
            })
        #expect(
            found.contains {
                $0.subject == "profile base" && $0.fix == "awskeyring-helper store --profile base"
            })
        #expect(found.contains { $0.subject == "profile loop" && $0.detail.contains("source_profile loop") })
    }

    @Test func storedKeysNoCredentialProcessReachesAreAProblemWithTheLineToAdd() throws {
        let findings = try checks(
            config: """
                [profile bob]
                region = eu-west-1
                [profile self]
                credential_process = awskeyring-helper --profile self
                """, stored: ["bob", "self", "nosection"])
        let found = problems(findings)
        // Keys under a name no config section has are not a profile to report.
        #expect(found.map(\.subject) == ["profile bob"])
        #expect(found[0].detail.contains("no credential_process reaches them"))
        #expect(found[0].fix?.contains("credential_process = ") == true)
        #expect(found[0].fix?.contains("--profile bob' to [profile bob] in ~/config") == true)
        // Not also "ok".
        #expect(!findings.contains { $0.ok && $0.subject == "profile bob" })
        #expect(findings.contains { $0.ok && $0.subject == "profile self" })
    }

    @Test func aCredentialProcessLoopIsAProblemNamedAsTheCallNamesIt() throws {
        let findings = try checks(
            config: """
                [profile a]
                credential_process = awskeyring-helper --profile b
                [profile b]
                credential_process = awskeyring-helper --profile a
                """)
        let problem = try #require(problems(findings).first { $0.subject == "profile a" })
        #expect(
            problem.detail
                == ProfileError.helperLoop(cycle: "a -> b -> a", profile: "b", target: "a").description)
    }

    @Test func sourceProfileWithoutRoleArnIsNamed() throws {
        let findings = try checks(
            config: "[profile dev]\nsource_profile = base\n[profile base]\nregion = x\n", stored: ["base"])
        let problem = try #require(problems(findings).first { $0.subject == "profile dev" })
        #expect(problem.detail.contains("source_profile = base but no role_arn"))
    }

    @Test func plainTextKeysAreReportedOnceNotAlsoOk() throws {
        let findings = try checks(
            config: "",
            credentials: "[old]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n")
        #expect(findings.filter { $0.subject == "profile old" }.count == 1)
    }
}
