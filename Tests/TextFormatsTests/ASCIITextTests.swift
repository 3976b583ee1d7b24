import Testing

@testable import TextFormats

@Suite struct PrintableTextTests {
    @Test func controlCharactersAreRemovedTabAndNewlineKept() {
        #expect(ASCIIText.printable("a\u{1B}[2Jb\u{9B}31mc\u{85}d\u{7F}e\u{0}f\rg\u{7}") == "a[2Jb31mcdefg")
        #expect(ASCIIText.printable("line one\n\tline two") == "line one\n\tline two")
        // Everything else outside ASCII stays: names and messages in any language.
        #expect(ASCIIText.printable("Zugriff verweigert – 拒否 \u{A0}ok") == "Zugriff verweigert – 拒否 \u{A0}ok")
    }

    @Test func aReadStopsOnlyAtCharacterBoundaries() {
        let text = Array("aé€😀".utf8)  // 1, 2, 3 and 4 bytes
        #expect(ASCIIText.completeUTF8Prefix(text) == text.count)
        for cut in 0...text.count {
            let prefix = Array(text[..<cut])
            let complete = ASCIIText.completeUTF8Prefix(prefix)
            #expect([0, 1, 3, 6, 10].contains(complete) && complete <= cut && cut - complete < 4)
        }
        // A C1 control split across two reads is still found once the reads are joined.
        let csi: [UInt8] = [0x41, 0xC2]
        #expect(ASCIIText.completeUTF8Prefix(csi) == 1)
        #expect(ASCIIText.printable(String(decoding: [0xC2, 0x9B, 0x42], as: UTF8.self)) == "B")
        // A lone 0x9B byte (CSI to a terminal in 8-bit mode) is not UTF-8: it becomes U+FFFD.
        #expect(ASCIIText.printable(String(decoding: [0x41, 0x9B, 0x42], as: UTF8.self)) == "A\u{FFFD}B")
    }
}

@Suite struct TextSearchTests {
    @Test func firstRangeFindsTheFirstOccurrenceByteForByte() throws {
        let text = "aé-MFA-MFA"
        let range = try #require(ASCIIText.firstRange(of: "MFA", in: text))
        #expect(text[..<range.lowerBound] == "aé-")
        #expect(text[range] == "MFA")
        #expect(ASCIIText.firstRange(of: "MFA!", in: text) == nil)
        #expect(ASCIIText.firstRange(of: "mfa", in: text) == nil)
        #expect(ASCIIText.firstRange(of: "longer than the text", in: "short") == nil)
        #expect(ASCIIText.firstRange(of: "", in: text) == text.startIndex..<text.startIndex)
        // A repeated first byte: the search goes on after a partial match.
        #expect(ASCIIText.occurs("aab", in: "aaab"))
        #expect(ASCIIText.occurs("é-", in: "aé-"))
        #expect(!ASCIIText.occurs("e", in: "é"))
    }

    @Test func replacingChangesOnlyWhatItSays() {
        #expect(ASCIIText.replacingFirst("x", in: "axbxc", with: "[x]") == "a[x]bxc")
        #expect(ASCIIText.replacingFirst("z", in: "axbxc", with: "y") == "axbxc")
        #expect(ASCIIText.replacingEvery("'", in: "it's 'q'", with: #"'\''"#) == #"it'\''s '\''q'\''"#)
        #expect(ASCIIText.replacingEvery("'", in: "'", with: "''") == "''")
        #expect(ASCIIText.replacingEvery("'", in: "", with: "x") == "")
    }
}
