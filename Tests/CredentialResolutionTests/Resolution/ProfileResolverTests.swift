import TestSupport
import Testing

@testable import CredentialResolution

@Suite struct ProfileResolverTests {
    func chain(_ profile: String, _ config: String, credentials: String? = nil) throws -> CredentialChain {
        try ProfileResolver(files: try configFiles(config, credentials: credentials)).chain(for: profile)
    }

    @Test func aProfileWithoutARoleUsesItsKeyringKeys() throws {
        let result = try chain("dev", "[profile dev]\nregion = eu-west-1\n")
        #expect(result.source == .keyring(profile: "dev", inConfig: true))
        #expect(result.roles.isEmpty)
    }

    @Test func aProfileOnlyTheKeyringKnowsIsStillASource() throws {
        #expect(try chain("ghost", "[default]\n").source == .keyring(profile: "ghost", inConfig: false))
    }

    @Test func plainTextKeysAreASource() throws {
        let result = try chain(
            "dev", "", credentials: "[dev]\naws_access_key_id = A\naws_secret_access_key = S\n")
        #expect(result.source == .plainTextKeys(profile: "dev"))
    }

    @Test func rolesAreAssumedFromTheSourceOutwards() throws {
        let result = try chain(
            "c",
            """
            [profile a]
            [profile b]
            role_arn = arn:aws:iam::123456789012:role/b
            source_profile = a
            external_id = ext
            [profile c]
            role_arn = arn:aws:iam::123456789012:role/path/c
            source_profile = b
            role_session_name = me
            duration_seconds = 7200
            mfa_serial = arn:aws:iam::123456789012:mfa/me
            """)
        #expect(result.source == .keyring(profile: "a", inConfig: true))
        #expect(result.roles.map(\.profile) == ["b", "c"])
        #expect(result.roles[0].externalId == "ext")
        #expect(
            result.roles[1]
                == RoleStep(
                    profile: "c", roleArn: "arn:aws:iam::123456789012:role/path/c", externalId: nil,
                    sessionName: "me",
                    durationSeconds: 7200, mfaSerial: "arn:aws:iam::123456789012:mfa/me"))
    }

    @Test func aSourceWithPlainTextKeysIsNotAssumedEvenWithARole() throws {
        let result = try chain(
            "top", "[profile top]\nrole_arn = arn:aws:iam::123456789012:role/t\nsource_profile = mid\n",
            credentials:
                "[mid]\nrole_arn = arn:aws:iam::123456789012:role/m\naws_access_key_id = A\naws_secret_access_key = S\n"
        )
        #expect(result.source == .plainTextKeys(profile: "mid"))
        #expect(result.roles.map(\.profile) == ["top"])
    }

    @Test func aProfileMayNameItselfForItsOwnKeys() throws {
        let result = try chain(
            "me", "[profile me]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = me\n")
        #expect(result.source == .keyring(profile: "me", inConfig: true))
        #expect(result.roles.count == 1)
    }

    @Test func environmentSource() throws {
        let result = try chain(
            "e", "[profile e]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Environment\n"
        )
        #expect(result.source == .environment(profile: "e"))
    }

    @Test(
        arguments: [
            (
                "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\n",
                ProfileError.roleWithoutSource(profile: "x")
            ),
            (
                "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = y\ncredential_source = Environment\n",
                .sourceProfileAndCredentialSource(profile: "x")
            ),
            (
                "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Nope\n",
                .unknownCredentialSource(profile: "x", name: "Nope")
            ),
            (
                "[profile x]\nrole_arn = arn:aws:iam::12345:role/r\nsource_profile = y\n",
                .invalidRoleARN(profile: "x", arn: "arn:aws:iam::12345:role/r")
            ),
            (
                "[profile x]\nrole_arn = arn:aws:iam::123456789012:user/r\nsource_profile = y\n",
                .invalidRoleARN(profile: "x", arn: "arn:aws:iam::123456789012:user/r")
            ),
            (
                "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = y\nduration_seconds = 60\n",
                .invalid(
                    .invalidProfileValue(
                        profile: "x", name: "duration_seconds", value: "60",
                        expected: "a whole number from 900 to 43200"))
            ),
            (
                "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = y\nduration_seconds = 1h\n",
                .invalid(
                    .invalidProfileValue(
                        profile: "x", name: "duration_seconds", value: "1h",
                        expected: "a whole number from 900 to 43200"))
            ),
            (
                """
                [profile x]
                role_arn = arn:aws:iam::123456789012:role/r
                source_profile = y
                [profile y]
                role_arn = arn:aws:iam::123456789012:role/r
                source_profile = x
                """,
                .sourceProfileLoop(cycle: "x -> y -> x")
            ),
        ] as [(String, ProfileError)])
    func badProfilesAreClearErrors(config: String, expected: ProfileError) throws {
        #expect(throws: expected) { try chain("x", config) }
    }
}
