import Testing

@testable import AWSConfigFile

/// The wording of parse errors: file, line, a clear reason, and never an option's value.
struct ConfigFileErrorTests {
    func parseError(_ text: String) -> ConfigFileError? {
        parseError(Array(text.utf8))
    }

    func parseError(_ bytes: [UInt8]) -> ConfigFileError? {
        do {
            _ = try ConfigFileParser.sections(of: bytes, path: "~/.aws/config")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        (
            "[default]\nregion = us-east-1\n\nsecret AKIAEXAMPLE\n",
            "~/.aws/config, line 4: this line has no '=' or ':' (option lines look like 'name = value')"
        ),
        (
            "# comment\n\naws_secret_access_key = hunter2\n[default]\n",
            "~/.aws/config, line 3: text before the first [section] header"
        ),
        (
            "\u{feff}[default]\n",
            "~/.aws/config, line 1: the file starts with a UTF-8 byte-order mark (BOM), which botocore does not"
                + " accept; save it without the BOM"
        ),
        (
            "[profile dev]\na = 1\n[profile dev]\n",
            "~/.aws/config, line 3: duplicate section [profile dev] (first at line 1)"
        ),
        (
            "[default]\nAWS_Secret_Access_Key = hunter1\naws_secret_access_key = hunter2\n",
            "~/.aws/config, line 3: duplicate option 'aws_secret_access_key' in section [default] (first at line 2)"
        ),
        (
            "[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n",
            "~/.aws/config, line 4: duplicate option 'a' in section [DEFAULT] (first at line 2)"
        ),
        ("[default]\n  = hunter2\n", "~/.aws/config, line 2: this line has no option name before '='"),
        ("[default]\n: hunter2\n", "~/.aws/config, line 2: this line has no option name before ':'"),
        (
            "[default]\ns3 =\n  addressing_style = path\n  hunter2\n",
            "~/.aws/config, line 4: option 's3' in section [default] starts an indented block (its value begins"
                + " on the next line), but this line of the block has no '='"
        ),
        // The first of several bad lines is reported, after the whole file was read.
        (
            "[default]\nbad one\nbad two\n",
            "~/.aws/config, line 2: this line has no '=' or ':' (option lines look like 'name = value')"
        ),
        // ... unless a fatal error comes first, as configparser raises those at once.
        ("[a]\nbad one\n[a]\n", "~/.aws/config, line 3: duplicate section [a] (first at line 1)"),
        // Bad blocks fail in botocore's order: a section's own options in file order, then [DEFAULT]'s.
        (
            "[DEFAULT]\nd =\n  d1\n[a]\nz =\n  z1\ny =\n  y1\nx =\n  x1\n",
            "~/.aws/config, line 6: option 'z' in section [a] starts an indented block (its value begins"
                + " on the next line), but this line of the block has no '='"
        ),
        (
            "[DEFAULT]\nd =\n  d1\n[a]\nz = 1\n",
            "~/.aws/config, line 3: option 'd' in section [DEFAULT] starts an indented block (its value"
                + " begins on the next line), but this line of the block has no '='"
        ),
    ])
    func message(_ text: String, _ message: String) throws {
        let error = try #require(parseError(text))
        #expect(error.description == message)
        #expect(!error.description.contains("hunter"))
        #expect(!error.description.contains("AKIA"))
    }

    @Test func invalidUTF8() throws {
        let error = try #require(parseError(Array("[default]\r\na = 1\r\nb = ".utf8) + [0xFF, 0x0A]))
        #expect(
            error.description == "~/.aws/config: is not valid UTF-8 text (the first bad byte is on line 3)")
        #expect(error.line == nil)
    }

    @Test func credentialsErrorsNameTheCredentialsFile() throws {
        #expect(
            throws: ConfigFileError(
                path: "/c/credentials", line: 2, reason: "text before the first [section] header")
        ) {
            _ = try AWSConfigFiles.parse(
                config: Array("[default]\n".utf8), credentials: Array("\nkey = value\n".utf8),
                configPath: "/c/config",
                credentialsPath: "/c/credentials")
        }
    }

    @Test func descriptionWithoutLine() {
        #expect(
            ConfigFileError(path: "/x", line: nil, reason: "is too large").description == "/x: is too large")
    }
}
