/// Finds and removes the key lines of profiles in a credentials file, leaving every other byte as it
/// was: other options, comments, blank lines, section headers, line endings.
///
/// It reads lines as `ConfigFileParser` does (`ConfigLines`: comments, blank and continuation lines,
/// section headers, option names), and is meant for files that parser accepts; callers parse first and
/// refuse what it rejects.
package struct CredentialsFileEditor: Sendable {
    package static let keyOptions: Set<String> = ["aws_access_key_id", "aws_secret_access_key"]

    package let bytes: [UInt8]
    /// Section name → option name → the byte ranges of its lines (the option line, its continuation
    /// lines and blank lines inside its value), for the key options of each section.
    package let keyLines: [String: [String: [Range<Int>]]]

    package init(bytes: [UInt8]) {
        self.bytes = bytes
        self.keyLines = bytes.withUnsafeBufferPointer { Self.scan($0) }
    }

    /// Whether `section` writes both halves of a key pair itself (not through `[DEFAULT]`).
    package func hasOwnKeyPair(section: String) -> Bool {
        Self.keyOptions.allSatisfy { keyLines[section]?[$0]?.isEmpty == false }
    }

    /// The file without the key lines of `sections`.
    package func removingKeys(of sections: Set<String>) -> [UInt8] {
        var doomed: [Range<Int>] = []
        for section in sections {
            for ranges in (keyLines[section] ?? [:]).values { doomed += ranges }
        }
        doomed.sort { $0.lowerBound < $1.lowerBound }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var position = 0
        for range in doomed where range.lowerBound >= position {
            result += bytes[position..<range.lowerBound]
            position = range.upperBound
        }
        result += bytes[position...]
        return result
    }

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> [String: [String: [Range<Int>]]] {
        var found: [String: [String: [Range<Int>]]] = [:]
        var section: String?
        /// The current option: its name and whether its lines are collected.
        var option: (name: String, collecting: Bool)?
        var indentLevel = 0
        var pendingBlanks: [Range<Int>] = []

        func collect(_ range: Range<Int>) {
            guard let section, let option, option.collecting else { return }
            found[section, default: [:]][option.name, default: []].append(range)
        }

        for line in PythonText.lines(bytes) {
            let whole = line.whole
            let value: Range<Int>
            let indent: Int
            switch ConfigLines.classify(bytes, line) {
            case .comment:
                continue
            case .blank:
                // Blank lines belong to the value only when a continuation line follows them.
                if option?.collecting == true { pendingBlanks.append(whole) }
                continue
            case .text(let range, let depth):
                value = range
                indent = depth
            }
            if option != nil, indent > indentLevel {
                pendingBlanks.forEach(collect)
                pendingBlanks = []
                collect(whole)
                continue
            }
            pendingBlanks = []
            indentLevel = indent

            if let header = ConfigLines.sectionHeader(bytes, value) {
                section = PythonText.string(bytes, header)
                option = nil
                continue
            }
            guard let delimiter = ConfigLines.delimiter(bytes, value) else { continue }
            let name = ConfigLines.optionName(bytes, value, delimiter: delimiter).name
            option = (name, keyOptions.contains(name))
            collect(whole)
        }
        return found
    }
}
