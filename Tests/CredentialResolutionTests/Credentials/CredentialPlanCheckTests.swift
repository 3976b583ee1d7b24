import TestSupport
import Testing

@testable import CredentialResolution

/// `CredentialPlan.check` (what `doctor` runs for every profile) rejects exactly what making the plan
/// rejects, with the same message, and accepts what it accepts.
@Suite struct CredentialPlanCheckTests {
    static let roleProfile = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\n"

    static let configs = [
        roleProfile + "[profile k]\n",
        roleProfile + "mfa_prompt = sometimes\n[profile k]\n",
        roleProfile + "mfa_prompt_timeout = 0\n[profile k]\n",
        roleProfile + "region = not a region\n[profile k]\n",
        roleProfile + "sts_regional_endpoints = nearby\n[profile k]\n",
        roleProfile + "retry_mode = often\n[profile k]\n",
        roleProfile + "max_attempts = 99\n[profile k]\n",
        roleProfile + "services = missing\n[profile k]\n",
        "[profile r]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nmfa_session_duration = 5\n",
        "[profile r]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nmfa_session_duration = 3600\n",
        "[profile r]\nregion = eu-west-1\n",
    ]

    @Test(arguments: configs)
    func checkThrowsWhatThePlanThrows(_ config: String) throws {
        let files = try configFiles(config)
        let chain = try ProfileResolver(files: files).chain(for: "r")
        let environment = ["HOME": "/nonexistent", "https_proxy": "http://proxy.invalid:3128"]
        var planError: String?
        var checkError: String?
        do {
            _ = try CredentialPlan(chain: chain, files: files, environment: environment)
        } catch {
            planError = "\(error)"
        }
        do {
            try CredentialPlan.check(chain: chain, files: files, environment: environment)
        } catch {
            checkError = "\(error)"
        }
        #expect(checkError == planError)
    }

    @Test func theOneInvalidSettingIsRejected() throws {
        let files = try configFiles(Self.roleProfile + "mfa_prompt = sometimes\n[profile k]\n")
        let chain = try ProfileResolver(files: files).chain(for: "r")
        #expect(throws: (any Error).self) {
            try CredentialPlan.check(chain: chain, files: files, environment: [:])
        }
    }
}

/// A profile's chain (resolved without knowing this program's path) and the plan made from it.
private func chainAndPlan(_ config: String, _ profile: String, environment: [String: String]) throws -> (
    chain: CredentialChain, plan: CredentialPlan
) {
    let files = try configFiles(config)
    let chain = try ProfileResolver(files: files, executablePath: nil).chain(for: profile)
    return (chain, try CredentialPlan(chain: chain, files: files, environment: environment))
}

/// What names a cached session: roles in different regions of one partition share the MFA session (one
/// code for all of them) and the role sessions; what changes where a session is valid does not share.
@Suite struct CredentialPlanScopeTests {
    static let config = """
        [profile keys]
        mfa_serial = arn:aws:iam::123456789012:mfa/me
        [profile east]
        role_arn = arn:aws:iam::123456789012:role/r
        source_profile = keys
        region = us-east-1
        [profile west]
        role_arn = arn:aws:iam::123456789012:role/r
        source_profile = keys
        region = eu-west-1
        [profile global]
        role_arn = arn:aws:iam::123456789012:role/r
        source_profile = keys
        [profile china]
        role_arn = arn:aws:iam::123456789012:role/r
        source_profile = keys
        region = cn-north-1
        [profile other]
        role_arn = arn:aws:iam::123456789012:role/other
        source_profile = keys
        region = eu-west-1

        """

    func plan(_ profile: String, environment: [String: String] = [:]) throws -> CredentialPlan {
        try chainAndPlan(Self.config, profile, environment: environment).plan
    }

    @Test func rolesInDifferentRegionsShareTheMFASession() throws {
        let east = try plan("east")
        let west = try plan("west")
        #expect(east.mfaSerial == "arn:aws:iam::123456789012:mfa/me")
        #expect(east.mfaSessionKey != nil)
        #expect(east.mfaSessionKey == west.mfaSessionKey)
        #expect(east.finalKey == west.finalKey)
        #expect(east.lockKey == west.lockKey)
        // Another role of the same keys: the same MFA session, its own role session.
        let other = try plan("other")
        #expect(other.mfaSessionKey == west.mfaSessionKey)
        #expect(other.finalKey != west.finalKey)
    }

    @Test func theGlobalEndpointAnotherPartitionOrAnEndpointURLAreKeptApart() throws {
        let west = try plan("west")
        #expect(try plan("global").mfaSessionKey != west.mfaSessionKey)
        #expect(try plan("china").mfaSessionKey != west.mfaSessionKey)
        let local = try plan("west", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:4566"])
        #expect(local.mfaSessionKey != west.mfaSessionKey)
        #expect(
            try plan("east", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:4566"]).mfaSessionKey
                == local.mfaSessionKey)
    }
}

/// Below a profile whose credential_process runs this helper for another profile, STS is called as that
/// profile's own process would call it: with its region and endpoint, as the SDKs would run it.
@Suite struct CredentialPlanHandOffTests {
    static let config = handOffAcrossRegions(
        extraKeySettings: "mfa_serial = arn:aws:iam::123456789012:mfa/me")

    func plan(_ profile: String, environment: [String: String] = [:]) throws -> (
        CredentialChain, CredentialPlan
    ) {
        try chainAndPlan(Self.config, profile, environment: environment)
    }

    @Test func eachStepIsCalledWhereItsOwnProcessWouldCallIt() throws {
        let (chain, plan) = try plan("outer")
        #expect(chain.roles.map(\.profile) == ["inner", "outer"])
        #expect(chain.handOffs == [HelperHandOff(profile: "handed", target: "inner", position: 1)])
        #expect(plan.sts?.signingRegion == "us-west-2")
        #expect(plan.roleSTS.map(\.signingRegion) == ["eu-west-1", "us-west-2"])
        #expect(plan.sourceSTS?.signingRegion == "eu-west-1")
    }

    @Test func theHandedOverProfileAskedForDirectlyIsItsOwnTop() throws {
        let (chain, plan) = try plan("handed")
        #expect(chain.handOffs.map(\.target) == ["inner"])
        #expect(plan.sts?.signingRegion == "ap-south-1")
        #expect(plan.roleSTS.map(\.signingRegion) == ["eu-west-1"])
        #expect(plan.sourceSTS?.signingRegion == "eu-west-1")
        // The same sessions as asking for the inner profile itself: one MFA code, one role session.
        let (_, inner) = try self.plan("inner")
        #expect(inner.mfaSessionKey == plan.mfaSessionKey)
        #expect(inner.finalKey == plan.finalKey)
    }

    @Test func withoutAHandOffEveryStepIsCalledWithTheProfileAskedFor() throws {
        let (_, plan) = try plan("inner", environment: ["AWS_DEFAULT_REGION": "ca-central-1"])
        #expect(plan.roleSTS.map(\.signingRegion) == ["ca-central-1"])
        #expect(plan.sourceSTS?.signingRegion == "ca-central-1")
    }
}
