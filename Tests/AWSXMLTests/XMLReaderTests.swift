import Testing

@testable import AWSXML

@Suite("XMLReader")
struct XMLReaderTests {
    func parse(_ text: String) throws(XMLReadError) -> XMLElement { try XMLReader.parse(Array(text.utf8)) }

    func kind(_ text: String) -> XMLReadError.Kind? { kind(Array(text.utf8)) }

    func kind(_ bytes: [UInt8]) -> XMLReadError.Kind? {
        do {
            _ = try XMLReader.parse(bytes)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test("elements, attributes, namespaces and text")
    func structure() throws {
        let root = try parse(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- before -->
            <p:Root xmlns:p="urn:x" a='1' b = "two">
              <Child>one</Child>
              <Child k="v"/>
              <?processing instruction?>
              <Other>t<!-- inside -->ext</Other>
            </p:Root>
            <!-- after -->

            """)
        #expect(root.name == "p:Root")
        #expect(root.localName == "Root")
        #expect(
            root.attributes == [
                XMLAttribute(name: "xmlns:p", value: "urn:x"), XMLAttribute(name: "a", value: "1"),
                XMLAttribute(name: "b", value: "two"),
            ])
        #expect(root.children.map(\.name) == ["Child", "Child", "Other"])
        #expect(root.children(named: "Child").map(\.text) == ["one", ""])
        #expect(root.children[1].attributes == [XMLAttribute(name: "k", value: "v")])
        #expect(root.children[2].text == "text")
    }

    @Test("the five predefined entities and character references")
    func entities() throws {
        let root = try parse("<a>&lt;&gt;&amp;&apos;&quot; &#65;&#x42;&#x1F600;&#233;</a>")
        #expect(root.text == "<>&'\" AB\u{1F600}\u{E9}")
        let attribute = try parse("<a v=\"&quot;&amp;&#x41;\"/>")
        #expect(attribute.attributes.first?.value == "\"&A")
    }

    @Test("CDATA is kept verbatim")
    func cdata() throws {
        let root = try parse("<a>x<![CDATA[<b>&amp;]]]]>y</a>")
        #expect(root.text == "x<b>&amp;]]y")
    }

    @Test("a byte-order mark and non-ASCII text are accepted")
    func unicode() throws {
        let root = try XMLReader.parse([0xEF, 0xBB, 0xBF] + Array("<a>caf\u{E9} \u{1234}</a>".utf8))
        #expect(root.text == "caf\u{E9} \u{1234}")
    }

    @Test(
        "malformed documents are refused",
        arguments: [
            ("", XMLReadError.Kind.empty),
            ("   ", .noRootElement),
            ("<!-- only a comment -->", .noRootElement),
            ("hello", .malformed),
            ("{\"Credentials\": {}}", .malformed),
            ("<a>", .unexpectedEnd),
            ("<a><b></a>", .mismatchedTag),
            ("<a></b>", .mismatchedTag),
            ("<a></A>", .mismatchedTag),
            ("<a/><b/>", .contentAfterRoot),
            ("<a/>junk", .contentAfterRoot),
            ("<a/><![CDATA[x]]>", .contentAfterRoot),
            ("<a>&nbsp;</a>", .unknownEntity),
            ("<a>&amp</a>", .unknownEntity),
            ("<a>&#0;</a>", .unknownEntity),
            ("<a>&#xD800;</a>", .unknownEntity),
            ("<a>&#x110000;</a>", .unknownEntity),
            ("<a>&#;</a>", .unknownEntity),
            ("<a>&#x;</a>", .unknownEntity),
            ("<a>&#12a;</a>", .unknownEntity),
            ("<a>]]></a>", .malformed),
            ("<a b=\"1\" b=\"2\"/>", .malformed),
            ("<a b=\"<\"/>", .malformed),
            ("<a b=1/>", .malformed),
            ("<a b/>", .malformed),
            ("<a b=\"1\"c=\"2\"/>", .malformed),
            ("< a/>", .malformed),
            ("<1a/>", .malformed),
            ("<a><!DOCTYPE x></a>", .malformed),
            ("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", .doctypeNotSupported),
            ("<a><!-- a -- b --></a>", .malformed),
            ("<a><!-- open</a>", .unexpectedEnd),
            ("<a><![CDATA[open</a>", .unexpectedEnd),
            ("<a><?pi open</a>", .unexpectedEnd),
            ("<a><?xml version=\"1.0\"?></a>", .malformed),
            (" <?xml version=\"1.0\"?><a/>", .malformed),
            ("<a>\u{1}</a>", .forbiddenCharacter),
            ("<a>\u{FFFE}</a>", .forbiddenCharacter),
            ("<a/>\u{0}", .forbiddenCharacter),
            ("<a>&amp", .unexpectedEnd),
            ("<a>&#x41", .unexpectedEnd),
            ("<a>&#x00000000041;</a>", .unknownEntity),
            (
                "<html><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>\n",
                .mismatchedTag
            ),
        ])
    func malformed(_ text: String, _ expected: XMLReadError.Kind) {
        #expect(kind(text) == expected)
    }

    @Test("HTML error pages are refused")
    func html() {
        // Well-formed XHTML is XML; the STS layer refuses it by its root element's name.
        #expect(kind("<html><body>Bad Gateway</body></html>") == nil)
        #expect(kind("<!DOCTYPE html><html><body>Service Unavailable</body></html>") == .doctypeNotSupported)
        #expect(kind("<html><head><meta charset=utf-8></head><body><p>Bad gateway</body></html>") != nil)
        #expect(kind("<html><body><br></body></html>") == .mismatchedTag)
    }

    @Test("bytes that are not UTF-8 are refused")
    func binary() {
        #expect(kind([0xFF, 0xFE, 0x3C, 0x00, 0x61, 0x00]) == .notUTF8)
        #expect(kind(Array("<a>".utf8) + [0xC3] + Array("</a>".utf8)) == .notUTF8)
        #expect(kind([0x1F, 0x8B, 0x08, 0x00]) == .notUTF8)
        #expect(kind([0x00, 0x01, 0x02, 0x03]) == .forbiddenCharacter)
        #expect(kind([0x3C, 0x61, 0x3E, 0x07, 0x3C, 0x2F, 0x61, 0x3E]) == .forbiddenCharacter)
    }

    @Test("nesting is bounded")
    func depth() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        }
        _ = try parse(nested(XMLReader.maximumDepth))
        #expect(kind(nested(XMLReader.maximumDepth + 1)) == .tooDeep)
        #expect(kind(String(repeating: "<a>", count: 100_000)) == .tooDeep)
        // Self-closing children do not add depth.
        _ = try parse(
            nested(XMLReader.maximumDepth - 1).replacingOccurrences(
                "</a></a>", with: "<b/></a></a>", once: true))
    }

    @Test("size is bounded")
    func size() throws {
        let padding = String(repeating: " ", count: XMLReader.maximumSize - 4)
        _ = try parse("<a/>" + padding)
        #expect(kind("<a/>" + padding + " ") == .tooLarge)
    }

    @Test("every truncation of a document is refused")
    func truncation() {
        let document = Array(
            "<?xml version=\"1.0\"?><r a=\"1\"><b>x&amp;y</b><!--c--><![CDATA[z]]><c/></r>".utf8)
        for length in 0..<document.count {
            // Only a prefix ending right after the root closes could parse; that is the whole document.
            #expect(kind(Array(document[..<length])) != nil, "prefix of \(length) bytes")
        }
        #expect(kind(document) == nil)
    }

    @Test("mutated documents never crash the reader")
    func mutations() {
        var random = SplitMix64(seed: 0x5EED)
        let seeds = [
            Array(
                "<?xml version=\"1.0\"?><r a=\"1\"><b>x&amp;y&#x41;</b><!--c--><![CDATA[z]]><c/><?p q?></r>"
                    .utf8),
            Array(STSResponseTests.motoAssumeRole.utf8),
        ]
        let alphabet = Array("<>/!?-[]&#;x=\"' aAbZ:\u{0}".utf8) + [0xC3, 0xA9, 0xFF]
        var parsed = 0
        for round in 0..<4000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0...Int(random.next() % 4) {
                let index = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[index] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: index)
                }
                if bytes.isEmpty { break }
            }
            if (try? XMLReader.parse(bytes)) != nil { parsed += 1 }
            _ = STSResponse.serviceError(from: bytes)
        }
        #expect(parsed > 0)
    }
}

/// A tiny deterministic generator so the mutation test is reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    /// Replaces the first occurrence only; enough for building test documents without Foundation.
    func replacingOccurrences(_ target: String, with replacement: String, once: Bool) -> String {
        let chars = Array(self)
        let needle = Array(target)
        guard needle.count <= chars.count else { return self }
        for start in 0...(chars.count - needle.count)
        where Array(chars[start..<start + needle.count]) == needle {
            return String(chars[..<start]) + replacement + String(chars[(start + needle.count)...])
        }
        return self
    }
}
