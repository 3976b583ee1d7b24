#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing files so that a crash or a full disk never leaves a half-written one: a backup written as a
/// new file readable only by its owner, and a replacement written beside the original, flushed to disk,
/// given the original's mode and renamed over it.
public enum FileReplacement {
    /// Creates `path` (which must not exist) with mode 0600 and `bytes`, flushed to disk.
    public static func writeNewPrivateFile(_ bytes: [UInt8], at path: String) throws(HelperError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failure("cannot create \(path)") }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(path) }
        }
        guard fchmod(fd, 0o600) == 0 else { throw failure("cannot set the mode of \(path)") }
        try writeAll(bytes, to: fd, path: path)
        guard fsync(fd) == 0 else { throw failure("cannot flush \(path) to disk") }
        ok = true
    }

    /// Replaces the file at `path` with `bytes` in one step, keeping its permission bits.
    public static func replace(_ path: String, with bytes: [UInt8]) throws(HelperError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure("cannot read the attributes of \(path)") }
        let mode = info.st_mode & 0o7777
        let directory = parentDirectory(of: path)
        let temporary =
            directory + "/.awskeyring-helper-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        guard fchmod(fd, mode) == 0 else { throw failure("cannot set the mode of \(temporary)") }
        try writeAll(bytes, to: fd, path: temporary)
        guard fsync(fd) == 0 else { throw failure("cannot flush \(temporary) to disk") }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to \(path)") }
        renamed = true
        // The rename itself is durable once the directory is flushed.
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(HelperError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(fd, base + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write \(path)")
            }
            offset += written
        }
    }

    private static func failure(_ what: String) -> HelperError {
        let reason = strerror(errno).map { String(cString: $0) } ?? "error \(errno)"
        return HelperError("\(what): \(reason)")
    }
}
