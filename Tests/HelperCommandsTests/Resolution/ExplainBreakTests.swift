import Keyring
import TestSupport
import Testing

@testable import AWSConfigFile
@testable import CredentialResolution
@testable import HelperCommands
@testable import TextFormats

/// `explain` of a broken profile: settings always, the chain as far as it resolves, then the break.
@Suite struct ExplainBreakTests {
    static let role = "arn:aws:iam::123456789012:role/r"

    func explanation(
        _ profile: String, _ config: String, keyring: ProfileExplanation.KeyringCheck = .notNeeded
    ) throws -> ProfileExplanation {
        try ProfileExplanation(
            profile: profile, files: try configFiles(config), environment: [:], keyring: keyring)
    }

    func member(_ json: JSONValue, _ name: String) -> JSONValue? {
        guard case .object(let members) = json else { return nil }
        return members.first { $0.0 == name }?.1
    }

    @Test func aBadRoleArnBreaksBelowTheRolesAboveIt() throws {
        let explained = try explanation(
            "top",
            """
            [profile top]
            role_arn = \(Self.role)
            source_profile = mid
            region = eu-west-1
            [profile mid]
            role_arn = arn:aws:iam::1:role/short
            source_profile = base
            """)
        #expect(explained.chainBreak?.profile == "mid")
        #expect(explained.chainBreak?.message.contains("is not an IAM role ARN") == true)
        #expect(explained.settings.value("region") == "eu-west-1")
        let text = explained.text
        #expect(text.contains("Credentials (the chain breaks; from 'top' down to the break):"))
        #expect(text.contains("  1. AssumeRole \(Self.role) (profile 'top')"))
        #expect(text.contains("  2. BROKEN at profile 'mid': profile 'mid': role_arn"))
        guard case .array(let steps)? = member(explained.json, "chain") else {
            Issue.record("no chain")
            return
        }
        #expect(steps.count == 2)
        #expect(member(steps[1], "type") == .string("break"))
        #expect(member(member(explained.json, "break") ?? .null, "profile") == .string("mid"))
    }

    @Test func aWholeChainHasNoBreak() throws {
        let explained = try explanation(
            "top", "[profile top]\nrole_arn = \(Self.role)\nsource_profile = base\n[profile base]\n",
            keyring: .read(profilesWithKeys: ["base"]))
        #expect(explained.chainBreak == nil)
        #expect(member(explained.json, "break") == nil)
        #expect(explained.text.contains("  1. long-lived keys of profile 'base' from the keyring (stored)"))
    }

    @Test func aMistypedSourceProfileBreaksWithoutSuggestingToStoreKeysUnderTheTypo() throws {
        let config = "[profile me]\n[profile nosrc]\nrole_arn = \(Self.role)\nsource_profile = mee\n"
        for keyring in [
            ProfileExplanation.KeyringCheck.read(profilesWithKeys: ["me"]),
            .unreachable(.noSessionBus(detail: "no bus")),
        ] {
            let explained = try explanation("nosrc", config, keyring: keyring)
            #expect(explained.chainBreak?.profile == "nosrc")
            #expect(
                explained.chainBreak?.message.hasPrefix(
                    "source_profile 'mee' of profile 'nosrc' does not exist")
                    == true)
            #expect(!explained.text.contains("store --profile mee"))
            #expect(explained.text.contains("  1. AssumeRole \(Self.role) (profile 'nosrc')"))
        }
        // Keys stored under that name make it a source after all.
        let stored = try explanation("nosrc", config, keyring: .read(profilesWithKeys: ["mee"]))
        #expect(stored.chainBreak == nil)
    }

    @Test func anUnreachableKeyringIsSaidAndEverythingElseShown() throws {
        let explained = try explanation(
            "dev", "[profile dev]\nregion = eu-west-1\n",
            keyring: .unreachable(.noSessionBus(detail: "no bus")))
        #expect(explained.chainBreak == nil)
        #expect(explained.text.contains("(not checked: the keyring could not be read)"))
        #expect(explained.text.contains("Keyring: could not be read"))
        let keyring = member(explained.json, "keyring")
        #expect(member(keyring ?? .null, "reachable") == .bool(false))
    }

    @Test func aProfileNobodyKnowsIsAnErrorWithTheNearestNames() throws {
        let error = thrown(CredentialError.self) {
            _ = try explanation("prodd", "[profile prod]\n", keyring: .read(profilesWithKeys: []))
        }
        guard case .noKeys(profile: "prodd", let message)? = error else {
            Issue.record("expected no keys for 'prodd', got \(String(describing: error))")
            return
        }
        #expect(message.contains("did you mean 'prod'?"))
        #expect(throws: KeyringError.noSessionBus(detail: "no bus")) {
            _ = try explanation(
                "ghost", "[profile prod]\n", keyring: .unreachable(.noSessionBus(detail: "no bus")))
        }
    }

    @Test func thePlanBreakingComesAfterTheWholeChain() throws {
        let explained = try explanation(
            "top",
            """
            [profile top]
            role_arn = \(Self.role)
            source_profile = base
            mfa_serial = arn:aws:iam::123456789012:mfa/me
            mfa_session_duration = 12
            [profile base]
            """,
            keyring: .read(profilesWithKeys: ["base"]))
        #expect(explained.chainBreak?.profile == "top")
        #expect(explained.chainBreak?.message.contains("mfa_session_duration = 12") == true)
        #expect(explained.text.contains("Credentials (the chain breaks):"))
        #expect(explained.text.contains("  1. long-lived keys of profile 'base' from the keyring (stored)"))
        #expect(explained.text.contains("  3. BROKEN at profile 'top'"))
    }

    @Test func theResolverWalkKeepsHandOffsAndTheBrokenProfile() throws {
        let files = try configFiles(
            """
            [profile admin]
            credential_process = awskeyring-helper --profile admin-role
            [profile admin-role]
            role_arn = \(Self.role)
            source_profile = both
            [profile both]
            role_arn = \(Self.role)
            source_profile = x
            credential_source = Environment
            """)
        guard case .broken(let broken) = ProfileResolver(files: files).walk(from: "admin") else {
            Issue.record("the walk should break")
            return
        }
        #expect(broken.brokenProfile == "both")
        #expect(broken.roles.map(\.profile) == ["admin-role", "both"])
        #expect(broken.handOffs == [HelperHandOff(profile: "admin", target: "admin-role", position: 0)])
    }
}
