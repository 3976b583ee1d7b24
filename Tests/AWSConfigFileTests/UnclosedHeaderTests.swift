import Testing

@testable import AWSConfigFile

@Suite struct UnclosedHeaderTests {
    func error(_ text: String) -> ConfigFileError? {
        do {
            _ = try ConfigFileParser.sections(of: Array(text.utf8), path: "config")
            return nil
        } catch {
            return error
        }
    }

    @Test func asTheFirstLine() {
        let failure = error("[profile me\nregion = x\n")
        #expect(failure?.line == 1)
        #expect(failure?.reason.contains("no closing ']'") == true)
    }

    @Test func afterAnotherSectionTheFollowingErrorNamesIt() {
        // configparser reads the line as an option line of [default]; the error it meets first is the
        // duplicate 'region', which is explained by the missing ']'.
        let failure = error("[default]\nregion = us-east-1\n\n[profile me\nregion = eu-west-1\n")
        #expect(failure?.line == 5)
        #expect(
            failure?.reason.contains("line 4 opens a section header with '[' but the ']' is missing") == true)
        let alone = error("[default]\na = 1\n[profile me\n")
        #expect(alone?.line == 3)
        #expect(alone?.reason.contains("no closing ']'") == true)
    }

    @Test func aHeaderClosedLaterOnTheLineIsFine() {
        #expect(error("[profile me] # comment\nregion = x\n") == nil)
    }
}
