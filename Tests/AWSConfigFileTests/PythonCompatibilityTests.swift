import Testing

@testable import AWSConfigFile

/// The Python behaviours the parser relies on; expected values are Python 3.11's own answers.
struct PythonCompatibilityTests {
    @Test(
        arguments: [
            ("profile a", ["profile", "a"]),
            ("profile  a ", ["profile", "a"]),
            ("profile", ["profile"]),
            ("profile a b", ["profile", "a", "b"]),
            ("profile \"a b\"", ["profile", "a b"]),
            ("profile 'a b'", ["profile", "a b"]),
            ("profile a\\ b", ["profile", "a b"]),
            ("profile \"\"", ["profile", ""]),
            ("profile ''", ["profile", ""]),
            ("profile \"a\\\"b\"", ["profile", "a\"b"]),
            ("profile \"a\\b\"", ["profile", "a\\b"]),
            ("profile 'a\\b'", ["profile", "a\\b"]),
            ("profile a\\\\b", ["profile", "a\\b"]),
            ("profile a\"b\"c", ["profile", "abc"]),
            ("profile \\x", ["profile", "x"]),
            ("profile\ta", ["profile", "a"]),
            ("profilefoo bar", ["profilefoo", "bar"]),
            ("profile é", ["profile", "é"]),
            ("", []),
        ] as [(String, [String])])
    func shlexSplit(_ text: String, _ words: [String]) {
        #expect(ShellWords.split(text) == words)
    }

    @Test(arguments: ["profile \"a", "profile 'a", "profile a\\", "profile \"a\\"])
    func shlexSplitFailures(_ text: String) {
        #expect(ShellWords.split(text) == nil)
    }

    @Test(arguments: [
        ("ABC", "abc"),
        ("ÄBC", "äbc"),
        ("ΑΣ", "ας"),
        ("ΣΑΣ", "σας"),
        ("Σ", "σ"),
        ("ΑΣΑ", "ασα"),
        ("ΑΣ.", "ας."),
        ("İX", "i\u{307}x"),
        ("STRASSE", "strasse"),
        ("ǅ", "ǆ"),
    ])
    func lower(_ text: String, _ lowered: String) {
        #expect(PythonText.lower(text).unicodeScalars.elementsEqual(lowered.unicodeScalars))
    }

    @Test func splitLines() {
        #expect(
            PythonText.splitLines("a\nb\r\nc\rd\u{b}e\u{c}f\u{1c}g\u{1d}h\u{1e}i\u{85}j\u{2028}k\u{2029}l")
                == ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"])
        #expect(PythonText.splitLines("a\u{1f}b\u{a0}c") == ["a\u{1f}b\u{a0}c"])
        #expect(PythonText.splitLines("a\n") == ["a"])
        #expect(PythonText.splitLines("\n\na") == ["", "", "a"])
        #expect(PythonText.splitLines("") == [])
    }

    @Test func strip() {
        let whitespace =
            "\t\n\u{b}\u{c}\r\u{1c}\u{1d}\u{1e}\u{1f} \u{85}\u{a0}\u{1680}\u{2000}\u{200a}\u{2028}"
            + "\u{2029}\u{202f}\u{205f}\u{3000}"
        #expect(PythonText.strip(whitespace + "a b" + whitespace) == "a b")
        #expect(PythonText.strip("\u{200b}a\u{feff}") == "\u{200b}a\u{feff}")
        #expect(PythonText.strip(whitespace) == "")
    }

    @Test func utf8Validation() {
        func check(_ bytes: [UInt8]) -> Int? {
            bytes.withUnsafeBufferPointer { PythonText.firstInvalidUTF8Offset($0) }
        }
        #expect(check(Array("aé€😀".utf8)) == nil)
        #expect(check([0x61, 0xFF]) == 1)
        #expect(check([0xC0, 0xAF]) == 0)  // overlong
        #expect(check([0xE0, 0x80, 0xAF]) == 0)  // overlong
        #expect(check([0xED, 0xA0, 0x80]) == 0)  // surrogate
        #expect(check([0xF4, 0x90, 0x80, 0x80]) == 0)  // above U+10FFFF
        #expect(check([0x61, 0xE2, 0x82]) == 1)  // truncated
        #expect(check([0xEF, 0xBB, 0xBF]) == nil)  // a BOM is valid UTF-8
    }

    static let environment = ["HOME": "/home/u/", "A": "x", "B_1": "y", "EMPTY": "", "é": "z"]

    @Test(arguments: [
        ("~/.aws/config", "/home/u/.aws/config"),
        ("~", "/home/u"),
        ("~/", "/home/u/"),
        ("$A/c", "x/c"),
        ("${A}/c", "x/c"),
        ("$A$B_1", "xy"),
        ("$UNSET/c", "$UNSET/c"),
        ("${UNSET}", "${UNSET}"),
        ("${}", "${}"),
        ("$", "$"),
        ("a$", "a$"),
        ("${A", "${A"),
        ("$A-b", "x-b"),
        ("$Aé", "xé"),
        ("${é}", "z"),
        ("~root/x", "/root/x"),
        ("~nosuchuser-for-tests/x", "~nosuchuser-for-tests/x"),
        ("/x/~/y", "/x/~/y"),
        ("$HOME/.aws", "/home/u//.aws"),
        ("~$A", "~x"),
        ("$EMPTY/x", "/x"),
        ("$1", "$1"),
        ("", ""),
    ])
    func expandPath(_ path: String, _ expanded: String) {
        #expect(ConfigFileAccess.expandPath(path, environment: Self.environment) == expanded)
    }

    @Test func expandPathWithRootHome() {
        #expect(ConfigFileAccess.expandPath("~", environment: ["HOME": "/"]) == "/")
        #expect(ConfigFileAccess.expandPath("~/x", environment: ["HOME": "/"]) == "/x")
        #expect(ConfigFileAccess.expandPath("~/x", environment: ["HOME": ""]) == "/x")
    }

    @Test func expandedValueIsNotExpandedAgain() {
        #expect(ConfigFileAccess.expandPath("$A/$B", environment: ["A": "$B", "B": "b"]) == "$B/b")
    }
}
