import Keyring
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct KeyringDaemonsTests {
    /// A /proc of made-up processes: pid -> (comm, environment).
    func procRoot(_ processes: [Int: (String, [String: String])]) throws -> TemporaryDirectory {
        let root = try TemporaryDirectory("keyring-daemons")
        for (pid, (comm, environment)) in processes {
            let directory = root.path + "/\(pid)"
            mkdir(directory, 0o700)
            try write(comm + "\n", to: directory + "/comm")
            try write(environment.map { "\($0.key)=\($0.value)\0" }.joined(), to: directory + "/environ")
        }
        mkdir(root.path + "/self", 0o700)
        return root
    }

    func write(_ text: String, to path: String) throws {
        let file = fopen(path, "w")
        try #require(file != nil)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    @Test func daemonsOnTheSameKeyringFilesAreFoundWithTheirBuses() throws {
        let root = try procRoot([
            10: ("gnome-keyring-d", ["HOME": "/home/me", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/a"]),
            20: ("gnome-keyring-d", ["HOME": "/home/me", "DBUS_STARTER_ADDRESS": "unix:path=/b"]),
            // Another keyring (another data directory), and another program.
            30: ("gnome-keyring-d", ["HOME": "/home/me", "XDG_DATA_HOME": "/elsewhere"]),
            40: ("bash", ["HOME": "/home/me"]),
        ])
        let found = KeyringDaemons.sharingKeyring(environment: ["HOME": "/home/me"], procRoot: root.path)
        #expect(found == [.init(pid: 10, bus: "unix:path=/a"), .init(pid: 20, bus: "unix:path=/b")])
        let diagnosis = try #require(KeyringDaemons.diagnosis(of: found))
        #expect(diagnosis.cause.contains("2 gnome-keyring-daemons keep the same keyring files"))
        #expect(diagnosis.cause.contains("pid 20 on unix:path=/b"))
        #expect(diagnosis.fix.contains("dbus-user-session") && diagnosis.fix.contains("kill 20"))
        #expect(
            KeyringDaemons.sharingKeyring(environment: ["XDG_DATA_HOME": "/elsewhere"], procRoot: root.path)
                .map(\.pid) == [30])
        #expect(KeyringDaemons.diagnosis(of: [.init(pid: 30, bus: nil)]) == nil)
    }
}
