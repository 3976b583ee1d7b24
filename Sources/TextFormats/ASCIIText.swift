/// Whitespace and case of protocol text (HTTP header names, XML names, service response values), ASCII
/// only, so the result never depends on locale or Unicode tables. The STS and XML readers use these
/// without pulling in the signer.
package enum ASCIIText {
    /// Space, tab, LF, CR, VT and FF.
    package static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d || byte == 0x0b || byte == 0x0c
    }

    /// Protocol text without leading and trailing ASCII whitespace.
    package static func trimmed(_ text: String) -> String {
        text.trimming { $0.isASCII && isWhitespace(UInt8($0.value)) }
    }

    /// Lower-case hexadecimal, two digits a byte: SigV4's signatures and hashes, cache key digests,
    /// names in the kernel keyring, authorization tokens.
    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Where `part` first occurs in `text`, compared byte for byte. The standard library's substring
    /// search and `replacing(_:with:)` come with the regex engine (_StringProcessing and its Unicode name
    /// tables, a seventh of a program), which these functions keep out of the programs.
    package static func firstRange(of part: String, in text: String) -> Range<String.Index>? {
        let bytes = text.utf8
        let pattern = Array(part.utf8)
        guard let first = pattern.first else { return text.startIndex..<text.startIndex }
        var from = bytes.startIndex
        while let candidate = bytes[from...].firstIndex(of: first) {
            guard let end = bytes.index(candidate, offsetBy: pattern.count, limitedBy: bytes.endIndex) else {
                return nil
            }
            if bytes[candidate..<end].elementsEqual(pattern) { return candidate..<end }
            from = bytes.index(after: candidate)
        }
        return nil
    }

    package static func occurs(_ part: String, in text: some StringProtocol) -> Bool {
        firstRange(of: part, in: String(text)) != nil
    }

    /// `text` with its first `part` replaced by `replacement`.
    package static func replacingFirst(_ part: String, in text: String, with replacement: String) -> String {
        guard let range = firstRange(of: part, in: text) else { return text }
        var replaced = text
        replaced.replaceSubrange(range, with: replacement)
        return replaced
    }

    /// `text` with every `character` replaced by `replacement`.
    package static func replacingEvery(_ character: Character, in text: String, with replacement: String)
        -> String
    {
        text.split(separator: character, omittingEmptySubsequences: false).joined(separator: replacement)
    }

    package static func lowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5a ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    package static func uppercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= 0x61 && $0 <= 0x7a ? $0 - 0x20 : $0 }, as: UTF8.self)
    }
}

extension String {
    /// The text without the leading and trailing characters `isWhitespace` names: the one trimmer, for
    /// every notion of white space this tool has (ASCII protocol text, Unicode for what people type).
    package func trimming(_ isWhitespace: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
            let last = scalars.lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    /// Without leading and trailing Unicode white space: typed answers, keys, codes, tokens.
    package func trimmingWhitespace() -> String {
        trimming { $0.properties.isWhitespace }
    }
}

extension ASCIIText {
    /// Text that came from outside (a service's error message, a file, another program's stderr) made
    /// safe to show on a terminal: C0 controls but tab and line feed, DEL, and C1 controls (U+0080 to
    /// U+009F: U+009B is CSI, U+0085 a line break, to many terminals) are removed, so such text can
    /// neither move the cursor, recolour or retitle the terminal, nor fake a line of this tool's own.
    /// Every message this tool prints passes through here (`StandardError`, the controlling terminal,
    /// the stderr of the commands it runs); bytes that are not UTF-8 were already replaced by U+FFFD
    /// when the text was decoded.
    package static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: text.unicodeScalars.lazy.filter { !isControl($0) })
        return String(result)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value == 0x09 || value == 0x0a { return false }
        return value < 0x20 || (0x7f...0x9f).contains(value)
    }

    /// How many leading bytes of `bytes` end on a character boundary: all of them, unless they end
    /// inside a multi-byte UTF-8 sequence (a pipe read can stop anywhere).
    package static func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var index = bytes.count
        // A lead byte within the last three bytes whose sequence is longer than what follows it.
        while index > 0 && bytes.count - index < 3 {
            index -= 1
            let byte = bytes[index]
            if byte & 0xc0 == 0x80 { continue }
            let length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
            return bytes.count - index < length ? index : bytes.count
        }
        return bytes.count
    }
}
