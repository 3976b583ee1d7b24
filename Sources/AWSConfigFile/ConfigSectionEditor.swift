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
        let (insertion, newline) = bytes.withUnsafeBufferPointer { insertionPoint($0, profile: profile) }
        let option = Array("\(name) = \(value)".utf8) + newline
        guard let insertion else {
            var result = bytes
            if let last = result.last, last != 0x0A, last != 0x0D { result += newline }
            if !result.isEmpty { result += newline }
            result += Array(header(forProfile: profile).utf8) + newline + option
            return result
        }
        var result = Array(bytes[..<insertion.offset])
        if insertion.needsNewline { result += newline }
        result += option
        result += bytes[insertion.offset...]
        return result
    }

    /// Where the option goes: after the last line of the section's last option (its continuation lines
    /// included), or after the header of a section without options; whether a line end must come first
    /// (the file ends there without one). Also the file's line end (`\r\n` when its first line has one).
    private static func insertionPoint(_ bytes: UnsafeBufferPointer<UInt8>, profile: String) -> (
        (offset: Int, needsNewline: Bool)?, [UInt8]
    ) {
        let lines = PythonText.lines(bytes)
        var newline: [UInt8] = [0x0A]
        if let first = lines.first, first.whole.upperBound - first.content.upperBound == 2 {
            newline = [0x0D, 0x0A]
        }
        var found: Int?
        var inTarget = false
        for line in lines {
            guard case .text(let value, _) = ConfigLines.classify(bytes, line) else { continue }
            if let header = ConfigLines.sectionHeader(bytes, value) {
                inTarget = maps(PythonText.string(bytes, header), to: profile)
                if inTarget { found = line.whole.upperBound }
                continue
            }
            if inTarget { found = line.whole.upperBound }
        }
        guard let found else { return (nil, newline) }
        let last = found > 0 ? bytes[found - 1] : 0x0A
        return ((found, last != 0x0A && last != 0x0D), newline)
    }

    /// Whether a config file section of this name holds `profile`'s settings (as `ProfileMap` reads it).
    private static func maps(_ section: String, to profile: String) -> Bool {
        if section.utf8.elementsEqual("default".utf8) { return profile == "default" }
        guard section.utf8.starts(with: "profile".utf8), let key = ProfileMap.sectionKey(section) else {
            return false
        }
        return key.utf8.elementsEqual(profile.utf8)
    }
}
