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
