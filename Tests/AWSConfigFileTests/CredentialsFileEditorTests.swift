import Testing

@testable import AWSConfigFile

@Suite struct CredentialsFileEditorTests {
    func removing(_ text: String, _ sections: Set<String>) throws -> String {
        // Only files the parser accepts are edited.
        _ = try ConfigFileParser.sections(of: Array(text.utf8), path: "credentials")
        let editor = CredentialsFileEditor(bytes: Array(text.utf8))
        return String(decoding: editor.removingKeys(of: sections), as: UTF8.self)
    }

    @Test func removesOnlyTheKeyLinesOfTheNamedSections() throws {
        let file = """
            # my keys
            [a]
            aws_access_key_id = AKIAAAAAAAAAAAAAAAAA
            ; a comment between
            AWS_Secret_Access_Key: secretA
            region = eu-west-1

            [b]
              aws_access_key_id=AKIABBBBBBBBBBBBBBBB
              aws_secret_access_key=secretB
            [c] 
            output = json
            """
        #expect(
            try removing(file, ["a"]) == """
                # my keys
                [a]
                ; a comment between
                region = eu-west-1

                [b]
                  aws_access_key_id=AKIABBBBBBBBBBBBBBBB
                  aws_secret_access_key=secretB
                [c] 
                output = json
                """)
        #expect(
            try removing(file, ["a", "b", "c"]) == """
                # my keys
                [a]
                ; a comment between
                region = eu-west-1

                [b]
                [c] 
                output = json
                """)
    }

    @Test func keepsLineEndingsAndRemovesContinuationLines() throws {
        let file =
            "[a]\r\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\r\naws_secret_access_key = first\r\n  part\r\n\r\n  more\r\n"
            + "s3 =\r\n  x = y\r\n"
        #expect(try removing(file, ["a"]) == "[a]\r\ns3 =\r\n  x = y\r\n")
    }

    @Test func aLastLineWithoutNewlineAndBlankLinesAfterAValue() throws {
        let file = "[a]\naws_secret_access_key = s\n\n# note\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA"
        #expect(try removing(file, ["a"]) == "[a]\n\n# note\n")
    }

    @Test func knowsWhichSectionsWriteTheirOwnPair() {
        let editor = CredentialsFileEditor(
            bytes: Array(
                "[DEFAULT]\naws_access_key_id = X\n[a]\naws_secret_access_key = s\n[b]\naws_access_key_id = A\naws_secret_access_key = s\n"
                    .utf8))
        #expect(!editor.hasOwnKeyPair(section: "a"))
        #expect(editor.hasOwnKeyPair(section: "b"))
        #expect(!editor.hasOwnKeyPair(section: "missing"))
    }
}
