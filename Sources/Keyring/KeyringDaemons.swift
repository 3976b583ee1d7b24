#if canImport(Glibc)
    import Glibc
#endif

/// gnome-keyring-daemons of this user that keep the same keyring files. Two logins that each start a
/// session bus (`dbus-run-session` in a profile script, a second SSH login without a user bus) get a
/// daemon each on the same files: each keeps its own copy in memory and rewrites the files, so what one
/// stores the other does not see, and its reads fail with "the keyring kept changing".
package enum KeyringDaemons {
    /// One daemon: its pid and the session bus it serves (nil when its environment cannot be read).
    package struct Daemon: Sendable, Equatable {
        package var pid: Int32
        package var bus: String?

        package init(pid: Int32, bus: String?) {
            self.pid = pid
            self.bus = bus
        }
    }

    /// The keyring directory gnome-keyring uses with `environment`: `$XDG_DATA_HOME/keyrings`, else
    /// `$HOME/.local/share/keyrings`; nil without either.
    package static func keyringDirectory(_ environment: [String: String]) -> String? {
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") { return data + "/keyrings" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.local/share/keyrings"
    }

    /// The daemons of this user whose keyring directory is the one `environment` gives, from /proc.
    package static func sharingKeyring(environment: [String: String], procRoot: String = "/proc") -> [Daemon]
    {
        guard let mine = keyringDirectory(environment), let directory = opendir(procRoot) else { return [] }
        defer { closedir(directory) }
        let uid = getuid()
        var found: [Daemon] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name) else { continue }
            let base = procRoot + "/" + name
            var info = stat()
            guard stat(base, &info) == 0, info.st_uid == uid,
                readSmallFile(base + "/comm").map({ $0.hasPrefix("gnome-keyring-d") }) == true,
                let environ = readSmallFile(base + "/environ")
            else { continue }
            var daemonEnvironment: [String: String] = [:]
            for pair in environ.split(separator: "\0") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                daemonEnvironment[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            guard keyringDirectory(daemonEnvironment) == mine else { continue }
            found.append(
                Daemon(
                    pid: pid,
                    bus: daemonEnvironment["DBUS_SESSION_BUS_ADDRESS"]
                        ?? daemonEnvironment["DBUS_STARTER_ADDRESS"]))
        }
        return found.sorted { $0.pid < $1.pid }
    }

    /// When more than one daemon keeps this keyring: the cause and the fix, in words; nil otherwise.
    package static func duplicateDiagnosis(environment: [String: String]) -> (cause: String, fix: String)? {
        diagnosis(of: sharingKeyring(environment: environment))
    }

    package static func diagnosis(of daemons: [Daemon]) -> (cause: String, fix: String)? {
        guard daemons.count > 1 else { return nil }
        let list = daemons.map { daemon in
            "pid \(daemon.pid)" + (daemon.bus.map { " on \($0)" } ?? "")
        }.joined(separator: ", ")
        let extra = daemons.dropFirst().map { String($0.pid) }.joined(separator: " ")
        return (
            """
            \(daemons.count) gnome-keyring-daemons keep the same keyring files (\(list)): each login started a \
            session bus of its own (dbus-run-session), so each has its own copy and a change made through one \
            is not seen by the other
            """,
            """
            use one session bus per user: install dbus-user-session, log out of every session (or stop the \
            extra daemons: kill \(extra)) and log in again
            """
        )
    }

    /// The variables of this process that name its keyring directory.
    package static func processEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        for name in ["XDG_DATA_HOME", "HOME"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return environment
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 262_144 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
