/// Adds one option to a profile's section of a config file, leaving every other byte as it was: other
/// options, comments, blank lines, the order of sections, line endings.
///
/// It reads lines as `ConfigFileParser` does and is meant for files that parser accepts; callers parse
/// first and refuse what it rejects.
package enum ConfigSectionEditor {
    /// The header of `profile`'s section in a config file: `[default]`, or `[profile NAME]` with the
    /// name quoted when botocore's `shlex.split` would not read it back as one word.
    package static func header(forProfile profile: String) -> String {
        if profile == "default" { return "[default]" }
        if let words = ShellWords.split("profile " + profile), words == ["profile", profile] {
            return "[profile \(profile)]"
        }
        // split and joined, not replacing(_:with:), which comes with the regex engine (_StringProcessing).
        return "[profile '"
            + profile.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'"'"'"#)
            + "']"
    }

    /// `bytes` with `name = value` added as the last option of `profile`'s section (the last section
    /// botocore maps to that profile, the one it reads), or, without such a section, a new section at the
    /// end of the file holding only that option.
    package static func addingOption(
        _ name: String, value: String, toProfile profile: String, in bytes: [UInt8]
    )
        -> [UInt8]
    {
        addingOption(name, values: [(profile, value)], in: bytes)
    }

    /// `bytes` with `name = value` added for each profile as `addingOption` would add them one after
    /// another, in one pass over the file (a config of many thousand profiles is read once, not once
    /// per profile). The profiles are distinct: a section may hold an option once.
    package static func addingOption(
        _ name: String, values: [(profile: String, value: String)], in bytes: [UInt8]
    ) -> [UInt8] {
        let (insertions, newline) = bytes.withUnsafeBufferPointer {
            insertionPoints($0, profiles: Set(values.map(\.profile)))
        }
        func option(_ value: String) -> [UInt8] { Array("\(name) = \(value)".utf8) + newline }

        // Into the sections the file has, in the file's order.
        let into = values.compactMap { value in
            insertions[value.profile].map { (point: $0, value: value.value) }
        }
        .sorted { $0.point.offset < $1.point.offset }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + values.count * (name.utf8.count + 64))
        var copied = 0
        for (point, value) in into {
            result += bytes[copied..<point.offset]
            if point.needsNewline { result += newline }
            result += option(value)
            copied = point.offset
        }
        result += bytes[copied...]

        // A new section at the end for each profile without one, in the order given.
        for (profile, value) in values where insertions[profile] == nil {
            if let last = result.last, last != 0x0A, last != 0x0D { result += newline }
            if !result.isEmpty { result += newline }
            result += Array(header(forProfile: profile).utf8) + newline + option(value)
        }
        return result
    }

    /// Where each profile's option goes: after the last line of its section's last option (its
    /// continuation lines included), or after the header of a section without options; whether a line
    /// end must come first (the file ends there without one). Profiles without a section are left out.
    /// Also the file's line end (`\r\n` when its first line has one).
    private static func insertionPoints(_ bytes: UnsafeBufferPointer<UInt8>, profiles: Set<String>) -> (
        [String: (offset: Int, needsNewline: Bool)], [UInt8]
    ) {
        let lines = PythonText.lines(bytes)
        var newline: [UInt8] = [0x0A]
        if let first = lines.first, first.whole.upperBound - first.content.upperBound == 2 {
            newline = [0x0D, 0x0A]
        }
        var found: [String: Int] = [:]
        var target: String?
        for line in lines {
            guard case .text(let value, _) = ConfigLines.classify(bytes, line) else { continue }
            if let header = ConfigLines.sectionHeader(bytes, value) {
                target = profile(ofSection: PythonText.string(bytes, header)).flatMap {
                    profiles.contains($0) ? $0 : nil
                }
                if let target { found[target] = line.whole.upperBound }
                continue
            }
            if let target { found[target] = line.whole.upperBound }
        }
        let points = found.mapValues { offset in
            let last = offset > 0 ? bytes[offset - 1] : 0x0A
            return (offset: offset, needsNewline: last != 0x0A && last != 0x0D)
        }
        return (points, newline)
    }

    /// The profile whose settings a config file section of this name holds (as `ProfileMap` reads it).
    private static func profile(ofSection section: String) -> String? {
        if section.utf8.elementsEqual("default".utf8) { return "default" }
        guard section.utf8.starts(with: "profile".utf8) else { return nil }
        return ProfileMap.sectionKey(section)
    }
}
