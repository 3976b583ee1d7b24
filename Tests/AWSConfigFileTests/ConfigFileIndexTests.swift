import Testing

@testable import AWSConfigFile

/// `AWSConfigFiles.parse` indexes files and builds settings on lookup; `parseWhole` parses everything.
/// Both must give the same answer for every file.
struct ConfigFileIndexTests {
    private func bothWays(config: String?, credentials: String? = nil) -> (
        indexed: Result<AWSConfigFiles, ConfigFileError>, whole: Result<AWSConfigFiles, ConfigFileError>
    ) {
        bothWays(
            configBytes: config.map { Array($0.utf8) }, credentialsBytes: credentials.map { Array($0.utf8) })
    }

    private func bothWays(configBytes: [UInt8]?, credentialsBytes: [UInt8]?) -> (
        indexed: Result<AWSConfigFiles, ConfigFileError>, whole: Result<AWSConfigFiles, ConfigFileError>
    ) {
        let indexed = Result { () throws(ConfigFileError) -> AWSConfigFiles in
            try AWSConfigFiles.parse(
                config: configBytes, credentials: credentialsBytes, configPath: "c", credentialsPath: "k")
        }
        let whole = Result { () throws(ConfigFileError) -> AWSConfigFiles in
            try AWSConfigFiles.parseWhole(
                config: configBytes, credentials: credentialsBytes, configPath: "c", credentialsPath: "k")
        }
        return (indexed, whole)
    }

    /// Asserts both ways agree, through lookups by name and through the whole listing.
    private func expectSame(config: String?, credentials: String? = nil, lookingUp names: [String] = []) {
        expectSame(
            configBytes: config.map { Array($0.utf8) }, credentialsBytes: credentials.map { Array($0.utf8) },
            lookingUp: names)
    }

    private func expectSame(configBytes: [UInt8]?, credentialsBytes: [UInt8]?, lookingUp names: [String] = [])
    {
        switch bothWays(configBytes: configBytes, credentialsBytes: credentialsBytes) {
        case (.success(let indexed), .success(let whole)):
            #expect(indexed.profiles == whole.profiles.dictionary)
            #expect(indexed.configFileProfiles == whole.configFileProfiles.dictionary)
            #expect(indexed.credentialsFileProfiles == whole.credentialsFileProfiles.dictionary)
            #expect(indexed.services == whole.services.dictionary)
            #expect(indexed.ssoSessions == whole.ssoSessions.dictionary)
            for name in names + whole.profiles.keys {
                #expect(indexed.profiles[name] == whole.profiles[name], "profile \(name)")
            }
        case (.failure(let indexed), .failure(let whole)):
            #expect(indexed == whole)
        case (let indexed, let whole):
            Issue.record("the two ways disagree: \(indexed) and \(whole)")
        }
    }

    private static func generated(_ count: Int, then tail: String = "") -> String {
        var text = "[profile org-keys]\nregion = eu-west-1\n\n"
        for index in 0..<count {
            text += "[profile acct-\(index)]\nregion = eu-west-1\nrole_arn = arn:aws:iam::1:role/r\(index)\n"
            text +=
                "source_profile = org-keys\nmfa_serial = arn:aws:iam::1:mfa/me\nrole_session_name = me\n\n"
        }
        return text + tail
    }

    @Test func aGeneratedFileIsIndexedAndLookupsMatch() throws {
        let text = Self.generated(3000)
        #expect(ConfigFileIndex.scan(Array(text.utf8), path: "c") != nil)
        let files = try AWSConfigFiles.parse(
            config: Array(text.utf8), credentials: nil, configPath: "c", credentialsPath: "k")
        #expect(files.profiles["acct-2999"]?["role_arn"] == .string("arn:aws:iam::1:role/r2999"))
        #expect(files.profiles["acct-3000"] == nil)
        #expect(files.profiles.count == 3001)
        expectSame(config: text, lookingUp: ["acct-0", "acct-1500", "org-keys", "missing"])
    }

    @Test(arguments: [
        ("a duplicate section at the end", "[profile acct-5]\nregion = x\n"),
        ("a duplicate option at the end", "[profile late]\nregion = a\nRegion = b\n"),
        ("a line that is no option", "[profile late]\njust words\n"),
        ("an option without a name", "[profile late]\n = value\n"),
        ("a nested block line without '='", "[profile late]\ns3 =\n  no equals here\n"),
        ("a duplicate [DEFAULT] option", "[DEFAULT]\na = 1\n[DEFAULT]\nA = 2\n"),
    ])
    func aBadLineAnywhereRejectsTheFileWithItsLine(_ what: String, _ tail: String) throws {
        let text = Self.generated(200, then: tail)
        let (indexed, whole) = bothWays(config: text)
        guard case .failure(let error) = indexed else {
            Issue.record("\(what): accepted")
            return
        }
        #expect(error.line != nil && error.line ?? 0 > 1400, "\(what): \(error)")
        #expect(indexed == whole)
        #expect(ConfigFileIndex.scan(Array(text.utf8), path: "c") == nil)
    }

    @Test func theIndexHandsOverWhatItDoesNotProve() {
        // Each of these goes to the whole-file parser, which accepts it: the answers must still match.
        for text in [
            "[profile caf\u{e9}]\nregion = a\n",  // a name outside ASCII
            "[profile a]\nr\u{e9}gion = a\n",  // an option name outside ASCII
            "[profile a]\ns3 =\n  x = \u{e9}\n",  // a nested block outside ASCII
            "[profile a]\r\nregion = a\r\n\r\n[profile b]\rregion = b\r",  // CR line ends
        ] {
            expectSame(config: text, lookingUp: ["a", "b", "caf\u{e9}"])
        }
    }

    @Test func defaultsQuotedNamesNestedBlocksAndCredentialsPrecedence() {
        let config = """
            [DEFAULT]
            output = json
            [profile "my profile"]
            region = a
            [profile  spaced]
            region = b
            [profilex other]
            region = c
            [profile dup]
            region = first
            [profilefoo dup]
            region = second
            [default]
            region = d
            [profile default]
            region = e
            [profile nested]
            s3 =
              addressing_style = path

              max_concurrent_requests = 20
            note = a
              b
            [sso-session s]
            sso_region = us-east-1
            [services v]
            s3 =
              endpoint_url = http://localhost
            [DEFAULT]
            cli_pager =
            """
        let credentials = """
            [nested]
            aws_access_key_id = AKIA
            [only-here]
            aws_access_key_id = AKIB
            """
        expectSame(
            config: config, credentials: credentials,
            lookingUp: [
                "my profile", "spaced", "other", "dup", "default", "nested", "only-here", "s", "v", "x",
            ])
        let files = try? AWSConfigFiles.parse(
            config: Array(config.utf8), credentials: Array(credentials.utf8), configPath: "c",
            credentialsPath: "k")
        #expect(files?.profiles["dup"]?["region"] == .string("second"))
        #expect(files?.profiles["default"]?["region"] == .string("e"))
        #expect(files?.profiles["my profile"]?["output"] == .string("json"))
        #expect(files?.profiles["nested"]?["aws_access_key_id"] == .string("AKIA"))
        #expect(files?.profiles["only-here"]?["aws_access_key_id"] == .string("AKIB"))
        #expect(files?.services["v"]?["s3"] == .nested(["endpoint_url": "http://localhost"]))
        #expect(files?.ssoSessions["s"]?["sso_region"] == .string("us-east-1"))
        #expect(files?.profiles["K"] == nil)
    }

    @Test(arguments: botocoreCases)
    func botocoreCasesAnswerTheSameBothWays(_ testCase: BotocoreCase) {
        expectSame(configBytes: testCase.config, credentialsBytes: testCase.credentials)
    }

    @Test func theSectionCountIsTheParsersCount() throws {
        let text = Self.generated(50) + "[DEFAULT]\na = 1\n"
        #expect(try ConfigFileParser.sectionCount(of: Array(text.utf8), path: "c") == 51)
        #expect(try ConfigFileParser.sections(of: Array(text.utf8), path: "c").count == 51)
    }
}
