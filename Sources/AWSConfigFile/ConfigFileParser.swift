/// One section of a config or credentials file, after `[DEFAULT]` inheritance and nested-block parsing:
/// an entry of botocore's `raw_config_parse` result.
package struct ConfigSection: Sendable, Equatable {
    /// The name between the brackets, exactly as written (`profile dev`, `default`, ...).
    package var name: String
    /// The 1-based line of the section header.
    package var line: Int
    package var settings: ConfigSettings

    package init(name: String, line: Int, settings: ConfigSettings) {
        self.name = name
        self.line = line
        self.settings = settings
    }
}

/// Parses the text of a config or credentials file exactly as botocore's `raw_config_parse` does with
/// Python's `configparser.RawConfigParser()`.
package enum ConfigFileParser {
    /// The sections of a file, in order of first appearance; `[DEFAULT]` is not listed but its options are
    /// inherited by every section. `path` is used only in error messages.
    package static func sections(of bytes: [UInt8], path: String) throws(ConfigFileError) -> [ConfigSection] {
        try sections(of: bytes, path: path, blocks: nil)
    }

    /// The number of sections `sections(of:path:)` lists, found without building their settings when the
    /// file is one botocore accepts.
    package static func sectionCount(of bytes: [UInt8], path: String) throws(ConfigFileError) -> Int {
        if let index = ConfigFileIndex.scan(bytes, path: path) { return index.sections.count }
        return try sections(of: bytes, path: path).count
    }

    /// The sections of the given blocks of a file that botocore accepts (a scan of the whole file found
    /// them): with the `[DEFAULT]` blocks among them, exactly those sections of `sections(of:path:)`.
    static func sections(of bytes: [UInt8], path: String, blocks: [ConfigBlock]?) throws(ConfigFileError)
        -> [ConfigSection]
    {
        let result: Result<[ConfigSection], ConfigFileError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(ConfigFileError) {
                var parser = Parser(bytes: buffer, path: path)
                if blocks == nil { try parser.validateUTF8() }
                try parser.read(blocks: blocks)
                return .success(try parser.sections())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Whole lines of a file, from a section header to the next (or the end), and the header's line number.
struct ConfigBlock: Sendable, Equatable {
    var bytes: Range<Int>
    var line: Int
}

/// The lines of a config or credentials file as configparser's `_read` classifies them, and the parts of
/// a line it looks for: shared by the parser and `CredentialsFileEditor`, so both read a file alike.
enum ConfigLines {
    enum Kind {
        /// A whole-line comment: `#` or `;` first after the indent.
        case comment
        /// Nothing but white space; its empty value starts at `at`.
        case blank(at: Int)
        /// Text: the line stripped of white space, and the indent in characters.
        case text(Range<Int>, indent: Int)
    }

    @inline(__always)
    static func classify(_ bytes: UnsafeBufferPointer<UInt8>, _ line: PythonText.Line) -> Kind {
        let (lineStart, lineEnd) = (line.content.lowerBound, line.content.upperBound)
        let (valueStart, indent) = PythonText.skipWhitespace(bytes, from: lineStart, to: lineEnd)
        let valueEnd = PythonText.trimTrailingWhitespace(bytes, from: valueStart, to: lineEnd)
        if valueStart == valueEnd { return .blank(at: valueStart) }
        if bytes[valueStart] == UInt8(ascii: "#") || bytes[valueStart] == UInt8(ascii: ";") {
            return .comment
        }
        return .text(valueStart..<valueEnd, indent: indent)
    }

    /// `\[(?P<header>.+)\]` matched at the start of the stripped line: everything between the first `[`
    /// and the last `]`, at least one character.
    static func sectionHeader(_ bytes: UnsafeBufferPointer<UInt8>, _ value: Range<Int>) -> Range<Int>? {
        guard bytes[value.lowerBound] == UInt8(ascii: "[") else { return nil }
        var close = value.upperBound - 1
        while close > value.lowerBound + 1, bytes[close] != UInt8(ascii: "]") { close -= 1 }
        guard close > value.lowerBound + 1, bytes[close] == UInt8(ascii: "]") else { return nil }
        return (value.lowerBound + 1)..<close
    }

    /// The first `=` or `:` of an option line, which ends the option's name.
    static func delimiter(_ bytes: UnsafeBufferPointer<UInt8>, _ value: Range<Int>) -> Int? {
        value.first { bytes[$0] == UInt8(ascii: "=") || bytes[$0] == UInt8(ascii: ":") }
    }

    /// An option line's name as configparser keeps it: before the delimiter, stripped, lower-cased.
    static func optionName(_ bytes: UnsafeBufferPointer<UInt8>, _ value: Range<Int>, delimiter: Int) -> (
        name: String, isEmpty: Bool
    ) {
        let nameEnd = PythonText.trimTrailingWhitespace(bytes, from: value.lowerBound, to: delimiter)
        return (PythonText.lower(bytes, value.lowerBound..<nameEnd), nameEnd == value.lowerBound)
    }
}

/// One stripped line of an option value (empty for a blank line inside a value), as a range of the file.
private struct Piece {
    var range: Range<Int>
    var line: Int
}

private struct RawOption {
    var pieces: [Piece]
    var line: Int
}

private struct RawSection {
    var name: String
    var line: Int
    var options: [ExactString: RawOption] = [:]
    /// Option names in the order they first appear, as configparser's dicts keep them.
    var order: [ExactString] = []

    mutating func add(_ option: RawOption, as name: ExactString) {
        if options.updateValue(option, forKey: name) == nil { order.append(name) }
    }
}

/// A String compared by its scalars, as Python compares `str`. Swift's `==` uses canonical equivalence,
/// under which `[café]` written precomposed and decomposed would wrongly be one section.
struct ExactString: Hashable {
    var string: String

    init(_ string: String) { self.string = string }

    static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        var left = lhs.string
        var right = rhs.string
        return left.withUTF8 { left in
            right.withUTF8 { right in left.count == right.count && left.elementsEqual(right) }
        }
    }

    func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

private enum CurrentSection {
    case none
    case defaults
    case section(Int)
}

/// A transcription of `RawConfigParser._read` with the default settings: delimiters `=` and `:`, comment
/// prefixes `#` and `;` on whole lines only, empty lines allowed in values, strict mode, `str.lower` as
/// `optionxform`, `DEFAULT` as the default section.
private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String

    var defaults = RawSection(name: "DEFAULT", line: 0)
    var sectionList: [RawSection] = []
    var sectionIndex: [ExactString: Int] = [:]
    /// configparser's `elements_added` for options: section name → option → first line.
    var optionsAdded: [ExactString: [ExactString: Int]] = [:]
    /// The first non-fatal parsing error; configparser raises it after reading the whole file.
    var deferredError: ConfigFileError?
    /// The first line that opens a section header without closing it (`[profile me`): configparser
    /// takes it for an option line, so whatever error follows is explained by it.
    var unclosedHeader: Int?

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) {
        self.bytes = bytes
        self.path = path
    }

    func error(_ line: Int?, _ reason: String) -> ConfigFileError {
        guard let unclosedHeader, line != unclosedHeader else {
            return ConfigFileError(path: path, line: line, reason: reason)
        }
        return ConfigFileError(
            path: path, line: line,
            reason: reason
                + " (line \(unclosedHeader) opens a section header with '[' but the ']' is missing)")
    }

    func validateUTF8() throws(ConfigFileError) {
        guard let offset = PythonText.firstInvalidUTF8Offset(bytes) else { return }
        // Count lines the way `read` does, so the number matches what an editor shows.
        var line = 1
        var index = 0
        while index < offset {
            if bytes[index] == 0x0A {
                line += 1
            } else if bytes[index] == 0x0D {
                line += 1
                if index + 1 < offset, bytes[index + 1] == 0x0A { index += 1 }
            }
            index += 1
        }
        throw error(nil, "is not valid UTF-8 text (the first bad byte is on line \(line))")
    }

    /// Reads the whole file, or only the given blocks of it: each a range of whole lines that starts with
    /// a section header (as a scan of the whole file found it), and the line number it starts on.
    mutating func read(blocks: [ConfigBlock]? = nil) throws(ConfigFileError) {
        for block in blocks ?? [ConfigBlock(bytes: 0..<bytes.count, line: 1)] {
            try read(block)
        }
        if let deferredError { throw deferredError }
    }

    private mutating func read(_ block: ConfigBlock) throws(ConfigFileError) {
        var current = CurrentSection.none
        var sectionName: String?
        var optionName: String?  // nil or "" both count as "no current option", as in Python
        var indentLevel = 0
        for (index, line) in PythonText.lines(bytes, in: block.bytes).enumerated() {
            let lineNumber = block.line + index
            let value: Range<Int>
            let indent: Int
            switch ConfigLines.classify(bytes, line) {
            case .comment:
                // A whole-line comment: an empty line that adds nothing to a value.
                continue
            case .blank(let at):
                if let optionName, !optionName.isEmpty {
                    appendPiece(Piece(range: at..<at, line: lineNumber), to: optionName, in: current)
                }
                continue
            case .text(let range, let depth):
                value = range
                indent = depth
            }
            let valueStart = value.lowerBound

            // A continuation line: indented deeper than the line that started the current option.
            if let optionName, !optionName.isEmpty, indent > indentLevel, !isNone(current) {
                appendPiece(Piece(range: value, line: lineNumber), to: optionName, in: current)
                continue
            }
            indentLevel = indent

            if let header = ConfigLines.sectionHeader(bytes, value) {
                let name = PythonText.string(bytes, header)
                if let index = sectionIndex[ExactString(name)] {
                    throw error(
                        lineNumber,
                        "duplicate section [\(name)] (first at line \(sectionList[index].line))")
                } else if name.utf8.elementsEqual("DEFAULT".utf8) {
                    current = .defaults
                } else {
                    sectionIndex[ExactString(name)] = sectionList.count
                    current = .section(sectionList.count)
                    sectionList.append(RawSection(name: name, line: lineNumber))
                }
                sectionName = name
                optionName = nil
                continue
            }

            let opensHeader =
                bytes[valueStart] == UInt8(ascii: "[") && !value.contains { bytes[$0] == UInt8(ascii: "]") }
            if opensHeader && unclosedHeader == nil { unclosedHeader = lineNumber }

            guard let sectionName else {
                var reason =
                    opensHeader
                    ? "the section header has no closing ']' (write it as [NAME])"
                    : "text before the first [section] header"
                if valueStart == 0, value.count >= 3, bytes[valueStart] == 0xEF,
                    bytes[valueStart + 1] == 0xBB,
                    bytes[valueStart + 2] == 0xBF
                {
                    reason =
                        "the file starts with a UTF-8 byte-order mark (BOM), which botocore does not accept;"
                        + " save it without the BOM"
                }
                throw error(lineNumber, reason)
            }

            // An option line: the first '=' or ':' separates the name from the value.
            guard let delimiter = ConfigLines.delimiter(bytes, value) else {
                if deferredError == nil {
                    deferredError = error(
                        lineNumber,
                        opensHeader
                            ? "the section header has no closing ']' (write it as [NAME])"
                            : "this line has no '=' or ':' (option lines look like 'name = value')")
                }
                continue
            }
            let (name, nameIsEmpty) = ConfigLines.optionName(bytes, value, delimiter: delimiter)
            if nameIsEmpty, deferredError == nil {
                let character = Character(Unicode.Scalar(bytes[delimiter]))
                deferredError = error(lineNumber, "this line has no option name before '\(character)'")
            }
            let key = ExactString(name)
            if let first = optionsAdded[ExactString(sectionName)]?[key] {
                throw error(
                    lineNumber,
                    "duplicate option '\(name)' in section [\(sectionName)] (first at line \(first))")
            }
            optionsAdded[ExactString(sectionName), default: [:]][key] = lineNumber
            let optionValueStart = PythonText.skipWhitespace(bytes, from: delimiter + 1, to: value.upperBound)
                .index
            let option = RawOption(
                pieces: [Piece(range: optionValueStart..<value.upperBound, line: lineNumber)],
                line: lineNumber)
            switch current {
            case .none: break
            case .defaults: defaults.add(option, as: key)
            case .section(let index): sectionList[index].add(option, as: key)
            }
            optionName = name
        }
    }

    private func isNone(_ current: CurrentSection) -> Bool {
        if case .none = current { return true }
        return false
    }

    private mutating func appendPiece(_ piece: Piece, to option: String, in current: CurrentSection) {
        switch current {
        case .none: break
        case .defaults: defaults.options[ExactString(option)]?.pieces.append(piece)
        case .section(let index): sectionList[index].options[ExactString(option)]?.pieces.append(piece)
        }
    }

    /// botocore's per-section result: own options over `[DEFAULT]`'s, each joined and, when it starts on
    /// the line after `=`, parsed as a nested block. A block that does not parse fails in botocore's order
    /// (sections in file order; in each, its own options, then those it inherits), so the error reported
    /// is always the one botocore reports.
    func sections() throws(ConfigFileError) -> [ConfigSection] {
        guard !sectionList.isEmpty else { return [] }
        var defaultValues: [(name: String, value: Result<ConfigValue, ConfigFileError>)] = []
        for name in defaults.order {
            guard let option = defaults.options[name] else { continue }
            let value = Result { () throws(ConfigFileError) in
                try configValue(option, name: name.string, section: defaults.name)
            }
            defaultValues.append((name.string, value))
        }
        var result: [ConfigSection] = []
        result.reserveCapacity(sectionList.count)
        for section in sectionList {
            var settings: ConfigSettings = [:]
            for name in section.order {
                guard let option = section.options[name] else { continue }
                settings[name.string] = try configValue(option, name: name.string, section: section.name)
            }
            for (name, value) in defaultValues where settings[name] == nil {
                settings[name] = try value.get()
            }
            result.append(ConfigSection(name: section.name, line: section.line, settings: settings))
        }
        return result
    }

    /// `'\n'.join(pieces).rstrip()`, then botocore's `_parse_nested` when the result starts with `\n`.
    private func configValue(_ option: RawOption, name: String, section: String) throws(ConfigFileError)
        -> ConfigValue
    {
        var pieces = option.pieces[...]
        // rstrip: every piece is already stripped, so only trailing empty pieces go.
        while let last = pieces.last, last.range.isEmpty { pieces.removeLast() }
        if pieces.count > 1, let first = pieces.first, first.range.isEmpty {
            return .nested(try nested(pieces.dropFirst(), name: name, section: section))
        }
        if pieces.count == 1, let only = pieces.first { return .string(PythonText.string(bytes, only.range)) }
        var text = ""
        for (index, piece) in pieces.enumerated() {
            if index > 0 { text.append("\n") }
            text.append(PythonText.string(bytes, piece.range))
        }
        return .string(text)
    }

    /// botocore `_parse_nested`: each non-blank line of `str.splitlines()` is `key = value`.
    private func nested(_ pieces: ArraySlice<Piece>, name: String, section: String) throws(ConfigFileError)
        -> [String: String]
    {
        var result: [String: String] = [:]
        for piece in pieces where !piece.range.isEmpty {
            for line in PythonText.splitLines(PythonText.string(bytes, piece.range)) {
                let stripped = PythonText.strip(line)
                if stripped.isEmpty { continue }
                guard let equals = stripped.utf8.firstIndex(of: UInt8(ascii: "=")) else {
                    throw error(
                        piece.line,
                        "option '\(name)' in section [\(section)] starts an indented block"
                            + " (its value begins on the next line), but this line of the block has no '='")
                }
                let key = PythonText.strip(String(stripped[..<equals]))
                let value = PythonText.strip(String(stripped[stripped.utf8.index(after: equals)...]))
                result[key] = value
            }
        }
        return result
    }
}
