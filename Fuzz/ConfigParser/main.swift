// libFuzzer entry for the config and credentials file parser, linked with the AWSConfigFile target by
// scripts/fuzz.sh (this file is not part of the Swift package).
//
// The input is a config file; when it holds the line `#@credentials`, the text after that line is the
// credentials file (the marker is a comment, so the config part stays a valid config file). Besides not
// crashing, every accepted file must satisfy the properties below, and the result must not change when
// LF line ends become CRLF or when a line break is appended.

@testable import AWSConfigFile

#if canImport(Glibc)
    import Glibc
#endif

private let configPath = "/fuzz/config"
private let credentialsPath = "/fuzz/credentials"
private let marker = Array("\n#@credentials\n".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let (config, credentials) = split(input)

    let sections = parseSections(config, path: configPath)
    if case .success(let list) = sections { checkSections(list, of: config) }
    if case .failure(let error) = sections { checkError(error, path: configPath, of: config) }

    // Metamorphic properties: an appended line break, and LF turned into CRLF (only where there is no
    // CR already, which would change how many line breaks there are).
    check(parseSections(config + [0x0A], path: configPath) == sections, "an appended line break changed the result")
    if !config.contains(0x0D) {
        let crlf = config.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }
        check(parseSections(crlf, path: configPath) == sections, "CRLF line ends changed the result")
    }

    let files: Result<AWSConfigFiles, ConfigFileError>
    do {
        files = .success(
            try AWSConfigFiles.parse(
                config: config, credentials: credentials, configPath: configPath, credentialsPath: credentialsPath))
    } catch {
        files = .failure(error)
    }
    switch files {
    case .success(let files):
        check(sections.isSuccess, "AWSConfigFiles accepted a config file the parser rejects")
        checkMerge(files)
    case .failure(let error):
        check(
            error.path == configPath || error.path == credentialsPath, "the error names neither file: \(error.path)")
        if error.path == configPath { check(sections == .failure(error), "a different error for the config file") }
    }
    return 0
}

private func split(_ input: [UInt8]) -> (config: [UInt8], credentials: [UInt8]?) {
    guard input.count >= marker.count else { return (input, nil) }
    for start in 0...(input.count - marker.count) where input[start] == 0x0A {
        if input[start..<(start + marker.count)].elementsEqual(marker) {
            return (Array(input[..<(start + 1)]), Array(input[(start + marker.count)...]))
        }
    }
    return (input, nil)
}

private func parseSections(_ bytes: [UInt8], path: String) -> Result<[ConfigSection], ConfigFileError> {
    do {
        return .success(try ConfigFileParser.sections(of: bytes, path: path))
    } catch {
        return .failure(error)
    }
}

private func checkSections(_ sections: [ConfigSection], of bytes: [UInt8]) {
    let lines = lineCount(bytes)
    var names: [[UInt8]] = []
    var previousLine = 0
    for section in sections {
        let name = Array(section.name.utf8)
        check(!name.isEmpty, "an empty section name")
        check(name != Array("DEFAULT".utf8), "[DEFAULT] listed as a section")
        check(!names.contains(name), "section [\(section.name)] listed twice")
        names.append(name)
        check(section.line > previousLine && section.line <= lines, "section line \(section.line) out of order")
        previousLine = section.line
        for (option, value) in section.settings {
            let bytes = Array(option.utf8)
            check(!bytes.isEmpty, "an empty option name in [\(section.name)]")
            check(!bytes.contains { (0x41...0x5A).contains($0) }, "option name '\(option)' has upper-case letters")
            check(
                !bytes.contains(UInt8(ascii: "=")) && !bytes.contains(UInt8(ascii: ":")),
                "option name '\(option)' holds a delimiter")
            check(isStripped(option), "option name '\(option)' has surrounding whitespace")
            switch value {
            case .string(let text):
                check(isStripped(text), "the value of '\(option)' has surrounding whitespace")
                check(!text.utf8.contains(0x0D), "the value of '\(option)' holds a CR")
            case .nested(let block):
                for (key, nestedValue) in block {
                    check(isStripped(key) && isStripped(nestedValue), "nested '\(key)' has surrounding whitespace")
                    check(!key.utf8.contains(UInt8(ascii: "=")), "nested key '\(key)' holds '='")
                }
            }
        }
    }
}

private func checkError(_ error: ConfigFileError, path: String, of bytes: [UInt8]) {
    check(error.path == path, "the error names \(error.path), not \(path)")
    check(!error.reason.isEmpty, "an error without a reason")
    if let line = error.line {
        check(line >= 1 && line <= lineCount(bytes), "error line \(line) outside the file")
    }
}

/// botocore's merge: every credentials-file profile is a profile whose values win.
private func checkMerge(_ files: AWSConfigFiles) {
    for (name, settings) in files.credentialsFileProfiles {
        guard let merged = files.profiles[name] else {
            check(false, "credentials profile \(name) missing from the merged profiles")
            continue
        }
        for (key, value) in settings { check(merged[key] == value, "credentials value \(name).\(key) lost") }
    }
    for name in files.configFileProfiles.keys {
        check(files.profiles[name] != nil, "config profile \(name) missing from the merged profiles")
    }
}

/// Lines as the parser counts them: LF, CRLF and CR each end one.
private func lineCount(_ bytes: [UInt8]) -> Int {
    var lines = 1
    var index = 0
    while index < bytes.count {
        if bytes[index] == 0x0A {
            lines += 1
        } else if bytes[index] == 0x0D {
            lines += 1
            if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
        }
        index += 1
    }
    return lines
}

private func isStripped(_ text: String) -> Bool { PythonText.strip(text).utf8.elementsEqual(text.utf8) }

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    let text = "invariant violated: \(message())\n"
    fputs(text, stderr)
    abort()
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
