import TestSupport
import Testing

@testable import HelperCommands
@testable import TextFormats

/// `explain` says where STS is called with another profile's settings: below a profile whose
/// credential_process runs this helper for a profile with its own region.
@Suite struct ExplainHandOffTests {
    static let config = handOffAcrossRegions()

    func explanation(_ profile: String) throws -> ProfileExplanation {
        try ProfileExplanation(
            profile: profile, files: try configFiles(Self.config), environment: [:], keyring: .notNeeded)
    }

    @Test func theStepsBelowAHandOffNameTheirOwnEndpoint() throws {
        let text = try explanation("outer").text
        #expect(text.contains("STS: https://sts.us-west-2.amazonaws.com, signed for us-west-2"))
        #expect(
            text.contains(
                "STS below 'handed' (its credential_process is this helper for 'inner', whose settings apply "
                    + "there): https://sts.eu-west-1.amazonaws.com, signed for eu-west-1"))
        guard case .object(let members) = try explanation("outer").json,
            case .array(let below)? = members.first(where: { $0.0 == "stsBelowHandOffs" })?.1
        else {
            Issue.record("no stsBelowHandOffs in the JSON")
            return
        }
        #expect(below.count == 1)
    }

    @Test func nothingMoreWhenTheSettingsAreTheSame() throws {
        let text = try explanation("inner").text
        #expect(text.contains("STS: https://sts.eu-west-1.amazonaws.com"))
        #expect(!text.contains("STS below"))
    }
}
