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

    /// Many profiles at once give the same bytes as adding them one after another, whatever the file:
    /// line ends, a last line without one, sections twice, missing sections, quoted names, comments and
    /// continuation lines.
    @Test func manyAtOnceIsTheSameAsOneAfterAnother() {
        let files = [
            "", "[default]", "[default]\r\nregion = x\r\n", "# only a comment",
            "[profile a]\nregion = x\n  continued\n; c\n\n[profile b]\n[profile a]\noutput = json",
            "[profile b]\nregion = y\n[x]\nk = v\n[profile 'my team']\nregion = z",
            "[profile default]\n[default]\nregion = q\n\n\n",
        ]
        let profileSets: [[String]] = [
            ["a"], ["a", "b"], ["b", "a", "default"], ["my team", "new one", "a", "c"], ["c", "d"], [],
        ]
        var generator = SystemRandomNumberGenerator()
        for file in files {
            for profiles in profileSets + [profileSets[3].shuffled(using: &generator)] {
                let values = profiles.map { (profile: $0, value: "h --profile \($0)") }
                let oneByOne = values.reduce(Array(file.utf8)) { bytes, next in
                    ConfigSectionEditor.addingOption(
                        "credential_process", value: next.value, toProfile: next.profile, in: bytes)
                }
                let atOnce = ConfigSectionEditor.addingOption(
                    "credential_process", values: values, in: Array(file.utf8))
                #expect(
                    String(decoding: atOnce, as: UTF8.self) == String(decoding: oneByOne, as: UTF8.self),
                    "\(profiles) into \(file.debugDescription)")
            }
        }
    }
}
