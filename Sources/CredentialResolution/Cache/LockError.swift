import TextFormats

/// Why the lock that serialises processes getting the same credentials could not be taken
/// (`ProcessLock`, `PrivateDirectory`). `reason`s are the system's texts for an error number.
package enum LockError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case cannotLock(path: String, reason: String)
    /// The holder is this process's own ancestor: waiting would only end at the timeout.
    case waitsForItself(holder: Int32)
    /// Another process held the lock for the whole `seconds`.
    case timedOut(seconds: Int, holder: Int32?)
    /// No absolute directory could be found for lock files (no XDG_RUNTIME_DIR nor home).
    case noPrivateDirectory
    case cannotInspect(path: String, reason: String)
    case cannotCreate(path: String, reason: String)
    /// The directory is not one only this user may enter: a link, someone else's, open to others.
    case unsafeDirectory(path: String, problem: String)

    package var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open the lock file \(path): \(reason)"
        case .cannotLock(let path, let reason): return "cannot lock \(path): \(reason)"
        case .waitsForItself(let holder):
            return """
                credential_process loop: the awskeyring-helper (pid \(holder)) that started this one is \
                getting the same credentials, so this call would wait for itself. A credential_process \
                that runs awskeyring-helper through a wrapper that clears the environment (env -i, sudo, \
                ssh) hides the loop; make the source profile's credential_process use other keys
                """
        case .timedOut(let seconds, let holder):
            return """
                gave up after \(seconds) s waiting for another awskeyring-helper\(holder.map { " (pid \($0))" } ?? "") \
                that is getting the same credentials; if it is waiting for an MFA code, answer it or stop it
                """
        case .noPrivateDirectory:
            return """
                cannot find a private directory for lock files (no XDG_RUNTIME_DIR, and no home directory \
                for ~/.cache): set HOME or XDG_CACHE_HOME to a directory of yours
                """
        case .cannotInspect(let path, let reason): return "cannot inspect \(path): \(reason)"
        case .cannotCreate(let path, let reason): return "cannot create \(path): \(reason)"
        case .unsafeDirectory(let path, let problem):
            return """
                refusing to keep lock files in \(path): \(problem), but it must be a directory owned by you that \
                no one else may write or enter (mode 0700), or another user could block or take over your \
                credential calls; remove it ('rm -r \(ShellQuoting.word(path))') and try again
                """
        }
    }
}
