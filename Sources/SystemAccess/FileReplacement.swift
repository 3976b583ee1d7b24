#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing files so that a crash or a full disk never leaves a half-written one: a backup written as a
/// new file readable only by its owner, and a replacement written beside the original, flushed to disk,
/// given the original's mode and renamed over it.
package enum FileReplacement {
    /// Creates `path` (which must not exist) with mode 0600 and `bytes`, flushed to disk.
    package static func writeNewPrivateFile(_ bytes: [UInt8], at path: String) throws(FileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failure(.create(path)) }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(path) }
        }
        guard fchmod(fd, 0o600) == 0 else { throw failure(.setMode(path)) }
        try writeAll(bytes, to: fd, path: path)
        guard fsync(fd) == 0 else { throw failure(.flush(path)) }
        ok = true
    }

    /// The file that replacing `path` must write: `path` itself, or the file a symbolic link (or a
    /// chain of them) points to. Renaming a new file over a link would replace the link and leave the
    /// old contents, secrets included, in its target; so the target is replaced and the link kept. A
    /// file with other hard links is refused for the same reason: the other names would keep the old
    /// contents. Callers ask before writing anything, so a refusal changes nothing.
    package static func replacementTarget(of path: String) throws(FileError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw failure(.resolve(path))
        }
        defer { free(resolved) }
        let target = String(cString: resolved)
        var info = stat()
        guard lstat(target, &info) == 0 else { throw failure(.readAttributes(target)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .notRegularFile(target)
        }
        guard info.st_nlink <= 1 else {
            throw .hardLinks(target, count: Int(info.st_nlink))
        }
        return target
    }

    /// Replaces the file at `path` with `bytes` in one step, keeping its permission bits. A symbolic
    /// link is followed and kept (see `replacementTarget(of:)`). Returns the path of the file written.
    @discardableResult
    package static func replace(_ path: String, with bytes: [UInt8]) throws(FileError) -> String {
        let target = try replacementTarget(of: path)
        var info = stat()
        guard stat(target, &info) == 0 else { throw failure(.readAttributes(target)) }
        let mode = info.st_mode & 0o7777
        let directory = parentDirectory(of: target)
        let temporary =
            directory + "/.awskeyring-helper-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw failure(.createTemporary(inDirectory: directory)) }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        // The same owner and group where allowed (root editing a user's file); the mode after, since a
        // change of owner clears set-id bits.
        _ = fchown(fd, info.st_uid, info.st_gid)
        guard fchmod(fd, mode) == 0 else { throw failure(.setMode(temporary)) }
        try writeAll(bytes, to: fd, path: temporary)
        guard fsync(fd) == 0 else { throw failure(.flush(temporary)) }
        guard rename(temporary, target) == 0 else {
            throw failure(.rename(temporary, to: target))
        }
        renamed = true
        // The rename itself is durable once the directory is flushed.
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
        return target
    }

    package static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(fd, base + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(.write(path))
            }
            offset += written
        }
    }

    private static func failure(_ operation: FileError.Operation) -> FileError {
        let reason = strerror(errno).map { String(cString: $0) } ?? "error \(errno)"
        return .systemCall(operation, reason: reason)
    }
}
