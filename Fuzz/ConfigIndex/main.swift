// libFuzzer entry comparing the two ways the AWSConfigFile target reads the config files, linked with it
// by scripts/fuzz.sh (this file is not part of the Swift package): `AWSConfigFiles.parse`, which indexes
// a file in one pass and builds a section's settings only when it is looked up, and
// `AWSConfigFiles.parseWhole`, which parses every section at once. Both must give the same error, or the
// same settings for every name looked up: each name either lists, and names that are not there.
//
// The input is read as by the ConfigParser target: when it holds the line `#@credentials`, the text
// after that line is the credentials file.

@testable import AWSConfigFile

#if canImport(Glibc)
    import Glibc
#endif

private let configPath = "/fuzz/config"
private let credentialsPath = "/fuzz/credentials"
private let marker = Array("\n#@credentials\n".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigIndex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let (config, credentials) = split(input)

    let indexed = result { () throws(ConfigFileError) in
        try AWSConfigFiles.parse(
            config: config, credentials: credentials, configPath: configPath, credentialsPath: credentialsPath)
    }
    let whole = result { () throws(ConfigFileError) in
        try AWSConfigFiles.parseWhole(
            config: config, credentials: credentials, configPath: configPath, credentialsPath: credentialsPath)
    }
    switch (indexed, whole) {
    case (.failure(let indexedError), .failure(let wholeError)):
        check(indexedError == wholeError, "different errors: \(indexedError) and \(wholeError)")
    case (.success, .failure(let error)):
        check(false, "the index accepted files the parser rejects: \(error)")
    case (.failure(let error), .success):
        check(false, "the index rejected files the parser accepts: \(error)")
    case (.success(let indexed), .success(let whole)):
        let names = candidateNames(config, credentials)
        compare(indexed.profiles, whole.profiles, "profiles", names)
        compare(indexed.configFileProfiles, whole.configFileProfiles, "config-file profiles", names)
        compare(indexed.credentialsFileProfiles, whole.credentialsFileProfiles, "credentials-file profiles", names)
        compare(indexed.services, whole.services, "services", names)
        compare(indexed.ssoSessions, whole.ssoSessions, "sso-sessions", names)
    }

    // The section count doctor shows, found by the index when it can.
    let sections = result { () throws(ConfigFileError) in try ConfigFileParser.sections(of: config, path: configPath) }
    let count = result { () throws(ConfigFileError) in try ConfigFileParser.sectionCount(of: config, path: configPath) }
    switch (sections, count) {
    case (.success(let list), .success(let number)): check(list.count == number, "section count \(number), not \(list.count)")
    case (.failure(let first), .failure(let second)): check(first == second, "different section-count errors")
    default: check(false, "the section count and the sections disagree on whether the file parses")
    }
    return 0
}

private func compare(_ indexed: ConfigProfiles, _ whole: ConfigProfiles, _ what: String, _ names: [String]) {
    let wholeDictionary = whole.dictionary
    check(Set(indexed.keys) == Set(wholeDictionary.keys), "\(what): the names differ")
    check(indexed.keys.count == Set(indexed.keys).count, "\(what): a name listed twice")
    for (name, settings) in wholeDictionary {
        check(indexed[name] == settings, "\(what): '\(name)' differs")
    }
    for name in names {
        check(indexed[name] == whole[name], "\(what): looking up '\(name)' differs")
    }
}

/// Names worth looking up: words and bracketed texts of the files, and some near them.
private func candidateNames(_ config: [UInt8], _ credentials: [UInt8]?) -> [String] {
    var names: Set<String> = ["default", "DEFAULT", "", "profile", "a", "K", "\u{212A}"]
    for file in [config, credentials ?? []] {
        let text = String(decoding: file, as: UTF8.self)
        for piece in text.split(whereSeparator: { "[]\n\r \t=:\"'".contains($0) }).prefix(64) {
            names.insert(String(piece))
            names.insert(String(piece).uppercased())
        }
    }
    return Array(names)
}

private func result<T>(_ body: () throws(ConfigFileError) -> T) -> Result<T, ConfigFileError> {
    do {
        return .success(try body())
    } catch {
        return .failure(error)
    }
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

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    let text = "invariant violated: \(message())\n"
    fputs(text, stderr)
    abort()
}
