// Python's notions of whitespace, line breaks and lower case, over UTF-8 bytes.
//
// configparser and botocore use `str.strip()`, `str.isspace()`, `re`'s `\s`, `str.splitlines()` and
// `str.lower()`. All of them are defined on Unicode code points, so the helpers here decode the
// (already validated) UTF-8 just far enough to recognise the few non-ASCII characters involved.

enum PythonText {
    /// A line as Python's text mode splits a file: universal newlines, `\n`, `\r\n` and `\r`.
    struct Line {
        /// The line without its end.
        var content: Range<Int>
        /// The line with its end.
        var whole: Range<Int>
    }

    static func lines(_ bytes: UnsafeBufferPointer<UInt8>) -> [Line] {
        lines(bytes, in: 0..<bytes.count)
    }

    /// The lines of `bytes[range]`, which starts at the start of a line.
    static func lines(_ bytes: UnsafeBufferPointer<UInt8>, in range: Range<Int>) -> [Line] {
        var lines: [Line] = []
        var start = range.lowerBound
        let end = range.upperBound
        while start < end {
            var contentEnd = start
            while contentEnd < end, bytes[contentEnd] != 0x0A, bytes[contentEnd] != 0x0D { contentEnd += 1 }
            var next = contentEnd
            if next < end {
                next += bytes[next] == 0x0D && next + 1 < end && bytes[next + 1] == 0x0A ? 2 : 1
            }
            lines.append(Line(content: start..<contentEnd, whole: start..<next))
            start = next
        }
        return lines
    }

    /// The byte length of the character at `index` if Python's `str.isspace()` is true for it, else 0.
    ///
    /// The set: \t \n \v \f \r, \x1c-\x1f, space, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
    /// U+2029, U+202F, U+205F, U+3000 (the same set `re`'s `\s` matches in a `str` pattern).
    @inline(__always)
    static func whitespaceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int {
        let first = bytes[index]
        switch first {
        case 0x09...0x0D, 0x1C...0x20:
            return 1
        case 0xC2:
            guard index + 1 < end else { return 0 }
            let second = bytes[index + 1]
            return second == 0x85 || second == 0xA0 ? 2 : 0
        case 0xE1:
            guard index + 2 < end else { return 0 }
            return bytes[index + 1] == 0x9A && bytes[index + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard index + 2 < end else { return 0 }
            let second = bytes[index + 1]
            let third = bytes[index + 2]
            if second == 0x80 {
                // U+2000-U+200A, U+2028, U+2029, U+202F
                return (0x80...0x8A).contains(third) || third == 0xA8 || third == 0xA9 || third == 0xAF
                    ? 3 : 0
            }
            if second == 0x81 { return third == 0x9F ? 3 : 0 }  // U+205F
            return 0
        case 0xE3:
            guard index + 2 < end else { return 0 }
            return bytes[index + 1] == 0x80 && bytes[index + 2] == 0x80 ? 3 : 0  // U+3000
        default:
            return 0
        }
    }

    /// The start of the character that ends just before `end` (UTF-8 is self-synchronising).
    @inline(__always)
    static func characterStart(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int, lowerBound: Int) -> Int {
        var index = end - 1
        while index > lowerBound, bytes[index] & 0xC0 == 0x80 { index -= 1 }
        return index
    }

    /// `start` advanced past leading Python whitespace, and the number of characters skipped.
    static func skipWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> (
        index: Int, characters: Int
    ) {
        var index = start
        var count = 0
        while index < end {
            let length = whitespaceLength(bytes, at: index, end: end)
            if length == 0 { break }
            index += length
            count += 1
        }
        return (index, count)
    }

    /// `end` moved back past trailing Python whitespace (never before `start`).
    static func trimTrailingWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int)
        -> Int
    {
        var end = end
        while end > start {
            let characterStart = characterStart(bytes, before: end, lowerBound: start)
            let length = whitespaceLength(bytes, at: characterStart, end: end)
            if length == 0 || characterStart + length != end { break }
            end = characterStart
        }
        return end
    }

    /// Python's `str.strip()` of `bytes[start..<end]`, as a range.
    static func strip(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Range<Int> {
        let lower = skipWhitespace(bytes, from: start, to: end).index
        return lower..<trimTrailingWhitespace(bytes, from: lower, to: end)
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Python's `str.strip()` of a String.
    static func strip(_ text: String) -> String {
        var text = text
        return text.withUTF8 { buffer in string(buffer, strip(buffer, from: 0, to: buffer.count)) }
    }

    /// Python's `str.splitlines()` (without keepends): splits on \n, \r, \r\n, \v, \f, \x1c, \x1d, \x1e,
    /// U+0085, U+2028 and U+2029. No empty last piece after a final line break.
    static func splitLines(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var lines: [String] = []
            var lineStart = 0
            var index = 0
            let end = bytes.count
            while index < end {
                let byte = bytes[index]
                var breakLength = 0
                switch byte {
                case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E:
                    breakLength = 1
                case 0x0D:
                    breakLength = index + 1 < end && bytes[index + 1] == 0x0A ? 2 : 1
                case 0xC2:
                    breakLength = index + 1 < end && bytes[index + 1] == 0x85 ? 2 : 0
                case 0xE2:
                    breakLength =
                        index + 2 < end && bytes[index + 1] == 0x80
                            && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9) ? 3 : 0
                default:
                    breakLength = 0
                }
                if breakLength > 0 {
                    lines.append(string(bytes, lineStart..<index))
                    index += breakLength
                    lineStart = index
                } else {
                    index += 1
                }
            }
            if lineStart < end { lines.append(string(bytes, lineStart..<end)) }
            return lines
        }
    }

    /// Python's `str.lower()`: full Unicode lower-case mappings, and the context-dependent final sigma
    /// (U+03A3 becomes U+03C2 at the end of a word), which Swift's `lowercased()` does not apply.
    static func lower(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        var ascii = true
        for index in range where bytes[index] >= 0x80 {
            ascii = false
            break
        }
        if ascii {
            return String(unsafeUninitializedCapacity: range.count) { output in
                var position = 0
                for index in range {
                    let byte = bytes[index]
                    output[position] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
                    position += 1
                }
                return position
            }
        }
        return lower(string(bytes, range))
    }

    static func lower(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if scalar.value == 0x03A3 {
                let sigma = isFinalSigma(scalars, at: index) ? 0x03C2 : 0x03C3
                if let lowered = Unicode.Scalar(UInt32(sigma)) { result.append(lowered) }
                continue
            }
            result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return String(result)
    }

    /// CPython's `handle_capital_sigma`: `\p{cased}\p{case-ignorable}* U+03A3 !(\p{case-ignorable}*
    /// \p{cased})`.
    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count, scalars[after].properties.isCaseIgnorable { after += 1 }
        return after == scalars.count || !scalars[after].properties.isCased
    }

    /// Whether every byte is ASCII, eight at a time.
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return true }
        var index = 0
        var bits: UInt64 = 0
        // Thirty-two bytes a turn, then eight, then one.
        while index + 32 <= bytes.count {
            bits |=
                base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                | base.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                | base.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                | base.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
            index += 32
        }
        while index + 8 <= bytes.count {
            bits |= base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            bits |= UInt64(bytes[index])
            index += 1
        }
        return bits & 0x8080_8080_8080_8080 == 0
    }

    /// Validates UTF-8 the way Python's strict `utf-8` codec does (no overlongs, no surrogates, nothing
    /// above U+10FFFF). Returns nil when valid, else the offset of the first bad byte.
    static func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        let end = bytes.count
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return nil }
        while index < end {
            // Eight ASCII bytes at a time: most files are ASCII throughout.
            while index + 8 <= end,
                base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
            }
            guard index < end else { break }
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                secondRange = 0x80...0x9F
            case 0xF0:
                length = 4
                secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                secondRange = 0x80...0x8F
            default: return index
            }
            guard index + 1 < end, secondRange.contains(bytes[index + 1]) else { return index }
            var offset = 2
            while offset < length {
                guard index + offset < end, bytes[index + offset] & 0xC0 == 0x80 else { return index }
                offset += 1
            }
            index += length
        }
        return nil
    }
}
