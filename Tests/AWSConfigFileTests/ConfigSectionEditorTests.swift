import Testing

@testable import AWSConfigFile

@Suite struct ConfigSectionEditorTests {
    func added(_ text: String, profile: String) -> String {
        String(
            decoding: ConfigSectionEditor.addingOption(
                "credential_process", value: "h --profile x", toProfile: profile, in: Array(text.utf8)),
            as: UTF8.self)
    }

    @Test func theOptionGoesAfterTheSectionsLastOptionAndEverythingElseStays() {
        let text = "# top\n[profile a]\nregion = x\n  continued\n; comment\n\n[profile b]\nregion = y\n"
        #expect(
            added(text, profile: "a")
                == "# top\n[profile a]\nregion = x\n  continued\ncredential_process = h --profile x\n; comment\n\n"
                + "[profile b]\nregion = y\n")
    }

    @Test func theLastSectionOfTheNameIsTheOneBotocoreReads() {
        let text = "[profile a]\nregion = x\n[profile  a]\noutput = json"
        #expect(
            added(text, profile: "a")
                == "[profile a]\nregion = x\n[profile  a]\noutput = json\ncredential_process = h --profile x\n"
        )
    }

    @Test func defaultAndCRLFAndAnEmptySection() {
        #expect(
            added("[default]\r\n", profile: "default")
                == "[default]\r\ncredential_process = h --profile x\r\n")
        #expect(
            added("[profile default]\n", profile: "default")
                == "[profile default]\ncredential_process = h --profile x\n")
    }

    @Test func aMissingSectionIsAddedAtTheEndWithAHeaderBotocoreReadsBack() throws {
        #expect(added("", profile: "a") == "[profile a]\ncredential_process = h --profile x\n")
        #expect(
            added("[x]\ny = 1", profile: "a")
                == "[x]\ny = 1\n\n[profile a]\ncredential_process = h --profile x\n")
        let spaced = added("", profile: "my team")
        #expect(spaced.hasPrefix("[profile 'my team']\n"))
        let files = try AWSConfigFiles.parse(
            config: Array(spaced.utf8), credentials: nil, configPath: "c", credentialsPath: "k")
        #expect(files.profiles["my team"]?.value("credential_process") == "h --profile x")
    }
}
