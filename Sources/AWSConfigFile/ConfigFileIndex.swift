#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A config or credentials file that botocore accepts, found so by one pass over its bytes that builds no
/// settings: where each section's lines are, and its name. A section's settings are built when asked for,
/// by `ConfigFileParser` over the `[DEFAULT]` blocks and that section's block alone, so a call that needs
/// three profiles of a file of thirty thousand builds three.
///
/// The pass only proves a file acceptable; it answers nil for anything it does not prove (a line
/// configparser would reject, a duplicate section or option, a nested block it cannot read as botocore
/// would, a section or option name outside ASCII), and the whole file then goes to `ConfigFileParser`,
/// which gives botocore's answer or error for it. Whatever the pass accepts, the parser accepts too, and
/// every section's settings are the parser's.
struct ConfigFileIndex: Sendable {
    enum Kind: UInt8, Sendable {
        case profile
        case ssoSession
        case services
        /// `[default]`, which botocore reads as the profile `default`.
        case defaultProfile
        case other
    }

    struct Section: Sendable {
        var name: Range<Int>
        var block: ConfigBlock
        var kind: Kind
        /// The second word of the name, when the name is a prefix, one space and one plain word (no white
        /// space, quote or backslash): what `shlex.split` makes of it without running it.
        var plainKey: Range<Int>?
        /// No option of the section continues on another line: every value is the rest of its line.
        var oneLineValues = true
    }

    let bytes: [UInt8]
    let path: String
    /// Lines end at LF alone (no CR anywhere).
    private var onlyLineFeeds = true
    /// The sections other than `[DEFAULT]`, in file order.
    private(set) var sections: [Section] = []
    /// The `[DEFAULT]` blocks, in file order.
    private var defaults: [ConfigBlock] = []
    private var names = ByteRangeTable()
    /// Sections of a kind in `Kind` whose key is not `plainKey`: `ShellWords` splits their names.
    private var irregular: [Int] = []

    private init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    // MARK: - Lookups

    /// The settings of the section at `index` (with `[DEFAULT]`'s), exactly as `ConfigFileParser` builds
    /// them for the whole file.
    func settings(ofSection index: Int) -> ConfigSettings {
        if defaults.isEmpty, onlyLineFeeds, sections[index].oneLineValues,
            let settings = oneLineSettings(sections[index].block)
        {
            return settings
        }
        let blocks = defaults + [sections[index].block]
        // The pass proved the file acceptable, so these blocks parse.
        let parsed = try? ConfigFileParser.sections(of: bytes, path: path, blocks: blocks)
        return parsed?.first?.settings ?? [:]
    }

    /// What the parser builds for a block without `[DEFAULT]` whose options are one line each: the name
    /// before the first `=` or `:`, stripped and lower-cased (ASCII, as the pass proved), and the
    /// stripped rest of the line.
    private func oneLineSettings(_ block: ConfigBlock) -> ConfigSettings? {
        bytes.withUnsafeBufferPointer { buffer -> ConfigSettings? in
            var settings = ConfigSettings(minimumCapacity: 8)
            guard let base = buffer.baseAddress else { return settings }
            var start = block.bytes.lowerBound
            var header = true
            while start < block.bytes.upperBound {
                let found = memchr(base + start, 0x0A, block.bytes.upperBound - start)
                let contentEnd =
                    found.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) }
                    ?? block.bytes.upperBound
                let lineStart = start
                start = contentEnd + 1
                let value = PythonText.strip(buffer, from: lineStart, to: contentEnd)
                guard !value.isEmpty, base[value.lowerBound] != UInt8(ascii: "#"),
                    base[value.lowerBound] != UInt8(ascii: ";")
                else { continue }
                if header {
                    header = false
                    continue
                }
                var delimiter = value.lowerBound
                while delimiter < value.upperBound, base[delimiter] != UInt8(ascii: "="),
                    base[delimiter] != UInt8(ascii: ":")
                {
                    delimiter += 1
                }
                guard delimiter < value.upperBound else { return nil }
                var nameEnd = delimiter
                while nameEnd > value.lowerBound, Self.isASCIISpace(base[nameEnd - 1]) { nameEnd -= 1 }
                let name = PythonText.lower(buffer, value.lowerBound..<nameEnd)
                let valueStart = PythonText.skipWhitespace(buffer, from: delimiter + 1, to: value.upperBound)
                    .index
                settings[name] = .string(PythonText.string(buffer, valueStart..<value.upperBound))
            }
            return settings
        }
    }

    /// The section named exactly `name` (a credentials-file profile).
    func section(named name: String) -> Int? {
        var name = name
        return name.withUTF8 { key in bytes.withUnsafeBufferPointer { names.find(key, in: $0) } }
    }

    /// The section botocore's `build_profile_map` takes for `key` among sections of `kind` (the last one
    /// in the file that maps to it), as a profile, sso-session or services name.
    func section(kind: Kind, key: String) -> Int? {
        var found: Int?
        let prefix = Self.prefix(kind)
        if !key.isEmpty, !key.utf8.contains(where: Self.isShellSpecial) {
            found = section(named: prefix + " " + key)
        }
        if kind == .profile, key == "default", let index = section(named: "default") {
            found = max(found ?? index, index)
        }
        for index in irregular where sections[index].kind == kind {
            guard index > found ?? -1, let words = ShellWords.split(name(of: index)), words.count == 2,
                words[1].utf8.elementsEqual(key.utf8)
            else { continue }
            found = index
        }
        return found
    }

    /// Every key of `kind`, each once.
    func keys(of kind: Kind) -> Set<String> {
        var keys = Set<String>()
        bytes.withUnsafeBufferPointer { buffer in
            for section in sections {
                if kind == .profile, section.kind == .defaultProfile {
                    keys.insert("default")
                } else if section.kind == kind, let plainKey = section.plainKey {
                    keys.insert(PythonText.string(buffer, plainKey))
                }
            }
        }
        for index in irregular where sections[index].kind == kind {
            if let words = ShellWords.split(name(of: index)), words.count == 2 { keys.insert(words[1]) }
        }
        return keys
    }

    func name(of index: Int) -> String {
        bytes.withUnsafeBufferPointer { PythonText.string($0, sections[index].name) }
    }

    private static func prefix(_ kind: Kind) -> String {
        switch kind {
        case .profile: return "profile"
        case .ssoSession: return "sso-session"
        case .services: return "services"
        case .defaultProfile: return "default"
        case .other: return ""
        }
    }

    /// White space, quotes and the backslash: what `shlex.split` treats specially.
    private static func isShellSpecial(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: "\"")
            || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\\")
    }

    // MARK: - The pass

    /// The index of `bytes`, or nil when the pass cannot prove that botocore accepts the file (then
    /// `ConfigFileParser` must read it).
    static func scan(_ bytes: [UInt8], path: String) -> ConfigFileIndex? {
        var index = ConfigFileIndex(bytes: bytes, path: path)
        let accepted = bytes.withUnsafeBufferPointer { buffer in index.scan(buffer) }
        return accepted ? index : nil
    }

    /// The option names of one section (or of all `[DEFAULT]` blocks), compared as ASCII without case.
    /// Sections have a handful of options, so each name is compared with the others; a section with
    /// very many goes to the parser instead.
    private struct OptionNames {
        /// Room for `capacity` names, owned by the pass (which deallocates it).
        let storage: UnsafeMutablePointer<Range<Int>>
        static let capacity = 256
        private var count = 0
        /// One bit per (length, first byte) seen: a name whose bit is clear is new without comparing.
        private var seen: UInt64 = 0

        init() { storage = .allocate(capacity: Self.capacity) }

        /// Adds the name unless the section has it already; false also when the section has too many.
        mutating func add(_ range: Range<Int>, in bytes: UnsafePointer<UInt8>) -> Bool {
            guard count < Self.capacity else { return false }
            let bit: UInt64 =
                1 << ((UInt64(range.count) &* 7 &+ UInt64(Self.lower(bytes[range.lowerBound]))) & 63)
            if seen & bit != 0 {
                for index in 0..<count where storage[index].count == range.count {
                    let other = storage[index]
                    var offset = 0
                    while offset < range.count,
                        Self.lower(bytes[other.lowerBound + offset])
                            == Self.lower(bytes[range.lowerBound + offset])
                    {
                        offset += 1
                    }
                    if offset == range.count { return false }
                }
            }
            seen |= bit
            (storage + count).initialize(to: range)
            count += 1
            return true
        }

        mutating func removeAll() {
            count = 0
            seen = 0
        }

        @inline(__always)
        static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
    }

    /// `RawConfigParser._read` for a file it accepts, without building values: the same line kinds in
    /// the same order, failing (false) where it raises or where a value could fail botocore's nested-block
    /// parsing.
    private mutating func scan(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        let end = buffer.count
        // Section names need checking for bytes outside ASCII only when the file has any; an ASCII file
        // is valid UTF-8 without looking again.
        let onlyASCII = PythonText.isASCII(buffer)
        guard onlyASCII || PythonText.firstInvalidUTF8Offset(buffer) == nil else { return false }
        // Without a CR, lines end at LF only, which memchr finds at memory speed.
        onlyLineFeeds = memchr(base, 0x0D, end) == nil

        var lineNumber = 0
        var start = 0
        var inSection = false
        var optionActive = false
        var nestedBlock = false
        var indentLevel = 0
        var inDefaults = false
        var sectionOptions = OptionNames()
        var defaultOptions = OptionNames()
        defer {
            sectionOptions.storage.deallocate()
            defaultOptions.storage.deallocate()
        }
        var openBlock: (start: Int, line: Int, section: Int?)?

        while start < end {
            lineNumber += 1
            var contentEnd: Int
            var next: Int
            if onlyLineFeeds {
                if let found = memchr(base + start, 0x0A, end - start) {
                    contentEnd = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    next = contentEnd + 1
                } else {
                    contentEnd = end
                    next = end
                }
            } else {
                contentEnd = start
                while contentEnd < end, buffer[contentEnd] != 0x0A, buffer[contentEnd] != 0x0D {
                    contentEnd += 1
                }
                next = contentEnd
                if next < end {
                    next += buffer[next] == 0x0D && next + 1 < end && buffer[next + 1] == 0x0A ? 2 : 1
                }
            }
            let lineStart = start
            start = next

            // configparser's line kinds (as `ConfigLines.classify`), the common ASCII case inline.
            guard lineStart < contentEnd else { continue }
            var valueStart = lineStart
            var indent = 0
            if !Self.isPlain(base[lineStart]) {
                (valueStart, indent) = PythonText.skipWhitespace(buffer, from: lineStart, to: contentEnd)
                if valueStart == contentEnd { continue }
            }
            let valueEnd =
                Self.isPlain(base[contentEnd - 1])
                ? contentEnd : PythonText.trimTrailingWhitespace(buffer, from: valueStart, to: contentEnd)
            let first = base[valueStart]
            if first == UInt8(ascii: "#") || first == UInt8(ascii: ";") { continue }
            let value = valueStart..<valueEnd

            if optionActive, indent > indentLevel, inSection {
                // A continuation line; in a value that begins on the next line, a line of a nested block.
                if nestedBlock, !Self.isPlainBlockLine(buffer, value) { return false }
                if !inDefaults, let last = sections.indices.last { sections[last].oneLineValues = false }
                continue
            }
            indentLevel = indent

            if let header = ConfigLines.sectionHeader(buffer, value) {
                closeBlock(openBlock, at: lineStart)
                guard onlyASCII || header.allSatisfy({ base[$0] < 0x80 }) else { return false }
                inSection = true
                optionActive = false
                if Self.equals(buffer, header, "DEFAULT") {
                    inDefaults = true
                    openBlock = (lineStart, lineNumber, nil)
                    continue
                }
                inDefaults = false
                let (inserted, _) = names.insert(header, in: buffer)
                guard inserted else { return false }
                let (kind, plainKey) = Self.kind(of: header, in: buffer)
                if plainKey == nil, kind != .other, kind != .defaultProfile {
                    irregular.append(sections.count)
                }
                openBlock = (lineStart, lineNumber, sections.count)
                sections.append(
                    Section(
                        name: header, block: ConfigBlock(bytes: lineStart..<lineStart, line: lineNumber),
                        kind: kind, plainKey: plainKey))
                sectionOptions.removeAll()
                continue
            }

            guard inSection else { return false }
            // The name up to the first '=' or ':'. Only a name of ASCII characters is read here (so
            // lower case is ASCII's); any other goes to the parser.
            var delimiter = valueStart
            var nameEnd = valueStart
            // Eight bytes at a time while none is a delimiter, white space, a control or outside ASCII.
            while delimiter + 8 <= valueEnd, Self.eightNameCharacters(base + delimiter) {
                delimiter += 8
                nameEnd = delimiter
            }
            while delimiter < valueEnd {
                let byte = base[delimiter]
                if byte == UInt8(ascii: "=") || byte == UInt8(ascii: ":") { break }
                if Self.isPlain(byte) {
                    nameEnd = delimiter + 1
                } else if !Self.isASCIISpace(byte) {
                    return false
                }
                delimiter += 1
            }
            guard delimiter < valueEnd, nameEnd > valueStart else { return false }
            let name = valueStart..<nameEnd
            let added =
                inDefaults
                ? defaultOptions.add(name, in: base) : sectionOptions.add(name, in: base)
            guard added else { return false }
            optionActive = true
            // A value begins on the next line when nothing but white space follows the delimiter; most
            // values start right after it or after one space, which is decided here without the general
            // white-space reader.
            let after = delimiter + 1
            if after == valueEnd {
                nestedBlock = true
            } else if Self.isPlain(base[after]) {
                nestedBlock = false
            } else if base[after] == 0x20, after + 1 < valueEnd, Self.isPlain(base[after + 1]) {
                nestedBlock = false
            } else {
                nestedBlock = PythonText.skipWhitespace(buffer, from: after, to: valueEnd).index == valueEnd
            }
        }
        closeBlock(openBlock, at: end)
        return true
    }

    private mutating func closeBlock(_ block: (start: Int, line: Int, section: Int?)?, at position: Int) {
        guard let block else { return }
        let range = ConfigBlock(bytes: block.start..<position, line: block.line)
        if let section = block.section {
            sections[section].block = range
        } else {
            defaults.append(range)
        }
    }

    /// Whether the eight bytes at `pointer` are all ASCII characters above the space other than `=`
    /// and `:` (a false answer may be wrong; a true one never is).
    @inline(__always)
    private static func eightNameCharacters(_ pointer: UnsafePointer<UInt8>) -> Bool {
        let word = UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let equals = word ^ (ones &* 0x3D)
        let colon = word ^ (ones &* 0x3A)
        let flagged =
            ((equals &- ones) & ~equals) | ((colon &- ones) & ~colon) | ((word &- ones &* 0x21) & ~word)
            | word
        return flagged & high == 0
    }

    /// Whether any of eight bytes is one `isShellSpecial` accepts (exact: a byte equal to one of them
    /// makes its XOR zero, and the zero-byte test has no false positive as a whole-word answer).
    @inline(__always)
    private static func hasShellSpecial(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        var found: UInt64 = 0
        for special: UInt64 in [0x20, 0x09, 0x0A, 0x0D, 0x22, 0x27, 0x5C] {
            let matched = word ^ (ones &* special)
            found |= (matched &- ones) & ~matched
        }
        return found & high != 0
    }

    /// An ASCII character that is not white space: nothing to strip.
    @inline(__always)
    private static func isPlain(_ byte: UInt8) -> Bool { byte &- 0x21 < 0x5F }

    /// An ASCII character of Python's white space.
    @inline(__always)
    private static func isASCIISpace(_ byte: UInt8) -> Bool {
        (0x09...0x0D).contains(byte) || (0x1C...0x20).contains(byte)
    }

    /// A stripped line of a nested block that botocore's `_parse_nested` reads as one `key = value`: it
    /// has an `=` and nothing `str.splitlines` would split it at (checked as: no control character but
    /// the tab, nothing outside ASCII).
    private static func isPlainBlockLine(_ buffer: UnsafeBufferPointer<UInt8>, _ value: Range<Int>) -> Bool {
        var hasEquals = false
        for position in value {
            let byte = buffer[position]
            if byte >= 0x80 || (byte < 0x20 && byte != 0x09) { return false }
            if byte == UInt8(ascii: "=") { hasEquals = true }
        }
        return hasEquals
    }

    private static func equals(
        _ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ text: StaticString
    )
        -> Bool
    {
        range.count == text.utf8CodeUnitCount && startsWith(buffer, range, text)
    }

    /// What `build_profile_map` makes of a section name, and its key when plain.
    private static func kind(of name: Range<Int>, in buffer: UnsafeBufferPointer<UInt8>) -> (
        Kind, Range<Int>?
    ) {
        let kind: Kind
        let prefixLength: Int
        if startsWith(buffer, name, "profile") {
            (kind, prefixLength) = (.profile, 7)
        } else if startsWith(buffer, name, "sso-session") {
            (kind, prefixLength) = (.ssoSession, 11)
        } else if startsWith(buffer, name, "services") {
            (kind, prefixLength) = (.services, 8)
        } else if equals(buffer, name, "default") {
            return (.defaultProfile, nil)
        } else {
            return (.other, nil)
        }
        let keyStart = name.lowerBound + prefixLength + 1
        guard keyStart < name.upperBound, buffer[keyStart - 1] == 0x20 else { return (kind, nil) }
        guard let base = buffer.baseAddress else { return (kind, nil) }
        var position = keyStart
        while position + 8 <= name.upperBound {
            if hasShellSpecial(UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)) {
                return (kind, nil)
            }
            position += 8
        }
        while position < name.upperBound {
            if isShellSpecial(base[position]) { return (kind, nil) }
            position += 1
        }
        return (kind, keyStart..<name.upperBound)
    }

    private static func startsWith(
        _ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ text: StaticString
    )
        -> Bool
    {
        guard range.count >= text.utf8CodeUnitCount, let base = buffer.baseAddress else { return false }
        return memcmp(base + range.lowerBound, text.utf8Start, text.utf8CodeUnitCount) == 0
    }
}

/// An open-addressing hash table of byte ranges of one file, compared byte for byte: entry `i` is the
/// `i`th range inserted.
struct ByteRangeTable: Sendable {
    private var slots = [Int32](repeating: -1, count: 64)
    private var entries: [(hash: UInt64, range: Range<Int>)] = []

    /// Inserts `key` unless an equal range is there; returns whether it was inserted, and the entry.
    mutating func insert(_ key: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> (
        inserted: Bool, entry: Int
    ) {
        let hash = Self.hash(UnsafeBufferPointer(rebasing: bytes[key]))
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            let entry = Int(slots[slot])
            let other = entries[entry]
            if other.hash == hash, other.range.count == key.count, Self.same(bytes, other.range, key) {
                return (false, entry)
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(entries.count)
        entries.append((hash, key))
        if entries.count * 2 > slots.count { grow() }
        return (true, entries.count - 1)
    }

    /// The entry whose bytes equal `key`.
    func find(_ key: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            let entry = Int(slots[slot])
            let other = entries[entry]
            if other.hash == hash, other.range.count == key.count,
                zip(other.range, key).allSatisfy({ bytes[$0] == $1 })
            {
                return entry
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private static func same(_ bytes: UnsafeBufferPointer<UInt8>, _ first: Range<Int>, _ second: Range<Int>)
        -> Bool
    {
        guard let base = bytes.baseAddress else { return true }
        return memcmp(base + first.lowerBound, base + second.lowerBound, first.count) == 0
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 4)
        let mask = slots.count - 1
        for (index, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    /// A multiply-and-fold hash over eight bytes at a time.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return 0 }
        var hash = UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15
        var offset = 0
        while offset + 8 <= bytes.count {
            hash =
                (hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            offset += 8
        }
        var tail: UInt64 = 0
        while offset < bytes.count {
            tail = tail << 8 | UInt64(bytes[offset])
            offset += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 29)
    }
}
