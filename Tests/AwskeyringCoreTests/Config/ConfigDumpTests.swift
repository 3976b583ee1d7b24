import Testing

@testable import AwskeyringCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Used by scripts/fuzz-config-parser.py: with CONFIG_DUMP_DIR set, parses `N.config` (and
/// `N.credentials` when present) for N = 0, 1, ... and writes `N.swift.out` in the dump format that
/// script compares with botocore's.
@Test(.enabled(if: getenv("CONFIG_DUMP_DIR") != nil))
func dumpParsedFilesForFuzzing() throws {
    guard let pointer = getenv("CONFIG_DUMP_DIR") else { return }
    let directory = String(cString: pointer)
    var number = 0
    while true {
        let base = "\(directory)/\(number)"
        guard let config = try ConfigFileAccess.readFile(atPath: base + ".config") else { break }
        let credentials = try ConfigFileAccess.readFile(atPath: base + ".credentials")
        var lines: [String] = []
        do {
            let files = try AWSConfigFiles.parse(
                config: config, credentials: credentials, configPath: "config", credentialsPath: "credentials"
            )
            for (kind, map) in [("P", files.profiles), ("S", files.ssoSessions), ("V", files.services)] {
                for (name, settings) in map {
                    lines.append("\(kind)\t\(escaped(name))")
                    for (key, value) in settings {
                        switch value {
                        case .string(let text):
                            lines.append("\(kind)\t\(escaped(name))\t\(escaped(key))\t=\(escaped(text))")
                        case .nested(let nested):
                            lines.append("\(kind)\t\(escaped(name))\t\(escaped(key))\t{}")
                            for (innerKey, innerValue) in nested {
                                lines.append(
                                    "\(kind)\t\(escaped(name))\t\(escaped(key))\t{\(escaped(innerKey))=\(escaped(innerValue))"
                                )
                            }
                        }
                    }
                }
            }
        } catch {
            lines.append("ERROR\t\(error.path)\t\(error.line.map(String.init) ?? "-")")
        }
        let text = lines.map { $0 + "\n" }.joined()
        let file = try #require(fopen(base + ".swift.out", "w"))
        _ = text.utf8CString.withUnsafeBufferPointer { fputs($0.baseAddress, file) }
        fclose(file)
        number += 1
    }
}

private func escaped(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\\" {
            result.unicodeScalars.append(scalar)
        } else {
            result += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    return result
}
