#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Path expansion and file reading for the config files, with the environment passed in.
package enum ConfigFileAccess {
    /// Files larger than this are refused rather than read.
    package static let maximumFileSize = 16 * 1024 * 1024

    /// `os.path.expanduser(os.path.expandvars(path))`, as botocore does, with variables and `HOME`
    /// taken from `environment`. Without `HOME`, `~` is the current user's home directory from the
    /// password database, as in Python; `~name` is always looked up there.
    package static func expandPath(_ path: String, environment: [String: String]) -> String {
        expandUser(expandVariables(path, environment: environment), environment: environment)
    }

    /// Python's `posixpath.expandvars`: `$NAME` (ASCII letters, digits, `_`) and `${ANYTHING}`; unknown
    /// variables are left as written, and substituted text is not expanded again.
    package static func expandVariables(_ path: String, environment: [String: String]) -> String {
        guard path.utf8.contains(UInt8(ascii: "$")) else { return path }
        var scalars = Array(path.unicodeScalars)
        var index = 0
        func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": return true
            default: return false
            }
        }
        while index < scalars.count {
            guard scalars[index] == "$" else {
                index += 1
                continue
            }
            let nameRange: Range<Int>
            let matchEnd: Int
            var end = index + 1
            if end < scalars.count, isWordCharacter(scalars[end]) {
                while end < scalars.count, isWordCharacter(scalars[end]) { end += 1 }
                nameRange = (index + 1)..<end
                matchEnd = end
            } else if end < scalars.count, scalars[end] == "{",
                let close = scalars[(end + 1)...].firstIndex(of: "}")
            {
                nameRange = (end + 1)..<close
                matchEnd = close + 1
            } else {
                index += 1
                continue
            }
            var nameScalars = String.UnicodeScalarView()
            nameScalars.append(contentsOf: scalars[nameRange])
            let name = String(nameScalars)
            // Compared by scalars, as Python does (a Dictionary lookup would use canonical equivalence).
            if let value = environment.first(where: { $0.key.utf8.elementsEqual(name.utf8) })?.value {
                let replacement = Array(value.unicodeScalars)
                scalars.replaceSubrange(index..<matchEnd, with: replacement)
                index += replacement.count
            } else {
                index = matchEnd
            }
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    /// Python's `posixpath.expanduser`.
    package static func expandUser(_ path: String, environment: [String: String]) -> String {
        guard path.utf8.first == UInt8(ascii: "~") else { return path }
        let utf8 = Array(path.utf8)
        let slash = utf8[1...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.count
        var home: String
        if slash == 1 {
            if let value = environment["HOME"] {
                home = value
            } else if let value = passwordDatabaseHome(user: nil) {
                home = value
            } else {
                return path
            }
        } else {
            let name = String(decoding: utf8[1..<slash], as: UTF8.self)
            guard let value = passwordDatabaseHome(user: name) else { return path }
            home = value
        }
        while home.utf8.last == UInt8(ascii: "/") { home.removeLast() }
        let result = home + String(decoding: utf8[slash...], as: UTF8.self)
        return result.isEmpty ? "/" : result
    }

    /// The path as shown in messages: under `HOME`, written with `~`.
    package static func displayPath(_ path: String, environment: [String: String]) -> String {
        guard var home = environment["HOME"] else { return path }
        while home.utf8.last == UInt8(ascii: "/") { home.removeLast() }
        guard !home.isEmpty else { return path }
        let pathBytes = Array(path.utf8)
        let homeBytes = Array(home.utf8)
        if pathBytes == homeBytes { return "~" }
        guard pathBytes.count > homeBytes.count, pathBytes.starts(with: homeBytes),
            pathBytes[homeBytes.count] == UInt8(ascii: "/")
        else { return path }
        return "~" + String(decoding: pathBytes[homeBytes.count...], as: UTF8.self)
    }

    private static func passwordDatabaseHome(user: String?) -> String? {
        var buffer = [CChar](repeating: 0, count: 16384)
        return buffer.withUnsafeMutableBufferPointer { storage -> String? in
            guard let base = storage.baseAddress else { return nil }
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            let status =
                if let user {
                    getpwnam_r(user, &entry, base, storage.count, &result)
                } else {
                    getpwuid_r(getuid(), &entry, base, storage.count, &result)
                }
            guard status == 0, result != nil, let directory = entry.pw_dir else { return nil }
            return String(cString: directory)
        }
    }

    /// The bytes of the file at `path`, or nil when there is no regular file there (missing, a
    /// directory, a FIFO, ...), which botocore treats as an empty config. Unlike botocore, a file that
    /// exists but cannot be read is an error, as is one over `maximumFileSize`.
    package static func readFile(atPath path: String) throws(ConfigFileError) -> [UInt8]? {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw ConfigFileError(path: path, line: nil, reason: "cannot be read: \(errorText(code))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return nil }

        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC) } while descriptor < 0 && errno == EINTR
        if descriptor < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw ConfigFileError(path: path, line: nil, reason: "cannot be read: \(errorText(code))")
        }
        defer { close(descriptor) }
        if fstat(descriptor, &info) != 0 {
            throw ConfigFileError(path: path, line: nil, reason: "cannot be read: \(errorText(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return nil }
        let tooLarge = ConfigFileError(
            path: path, line: nil, reason: "is too large (over \(maximumFileSize / 1024 / 1024) MiB)")
        if Int(info.st_size) > maximumFileSize { throw tooLarge }

        // Read to end of file even if the size changed since fstat, but never past the limit. The buffer
        // is not cleared first: only what read() wrote is kept.
        var bytes = [UInt8](unsafeUninitializedCapacity: Int(info.st_size) + 1) { _, count in
            count = Int(info.st_size) + 1
        }
        var count = 0
        while true {
            if count == bytes.count {
                if count > maximumFileSize { throw tooLarge }
                bytes.append(
                    contentsOf: repeatElement(0, count: min(bytes.count, maximumFileSize + 1 - count)))
            }
            let readCount = bytes.withUnsafeMutableBytes { storage -> Int in
                guard let base = storage.baseAddress else { return 0 }
                return read(descriptor, base + count, storage.count - count)
            }
            if readCount < 0 {
                let code = errno
                if code == EINTR { continue }
                throw ConfigFileError(path: path, line: nil, reason: "cannot be read: \(errorText(code))")
            }
            if readCount == 0 { break }
            count += readCount
        }
        if count > maximumFileSize { throw tooLarge }
        bytes.removeSubrange(count...)
        return bytes
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
