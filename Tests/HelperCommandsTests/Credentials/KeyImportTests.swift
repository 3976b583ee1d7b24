import TestSupport
import Testing

@testable import AWSConfigFile
@testable import CredentialResolution
@testable import CredentialValues
@testable import HelperCommands
@testable import KeyringItems

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct KeyImportTests {
    static let idA = "AKIAAAAAAAAAAAAAAAAA"
    static let idB = "AKIABBBBBBBBBBBBBBBB"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let file = """
        # keys
        [a]
        aws_access_key_id = \(idA)
        aws_secret_access_key = \(secret)
        region = eu-west-1
        [b]
        aws_access_key_id = \(idB)
        aws_secret_access_key = \(secret)
        [temp]
        aws_access_key_id = ASIATEMPTEMPTEMPTEMP
        aws_secret_access_key = \(secret)
        aws_session_token = t

        """

    final class Directory {
        let path: String
        init() {
            var template = Array("/tmp/keyimport-XXXXXX".utf8CString)
            path = template.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress, let made = mkdtemp(base) else { return "/nonexistent" }
                return String(cString: made)
            }
        }
        deinit {
            _ = system("rm -rf '\(path)'")
        }
        func write(_ name: String, _ text: String, mode: mode_t = 0o640) -> String {
            let file = path + "/" + name
            let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, mode)
            _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            fchmod(fd, mode)
            close(fd)
            return file
        }
        func read(_ name: String) -> String? {
            (try? ConfigFileAccess.readFile(atPath: path + "/" + name)).flatMap { $0 }.map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        func mode(_ name: String) -> mode_t {
            var info = stat()
            stat(path + "/" + name, &info)
            return info.st_mode & 0o7777
        }
        func names() -> [String] {
            var result: [String] = []
            guard let dir = opendir(path) else { return [] }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { result.append(name) }
            }
            return result.sorted()
        }
    }

    func importer(_ store: InMemorySecretStore, notes: NoteLog) -> KeyImport {
        KeyImport(
            keyring: CredentialKeyring(store: store), diagnostics: { notes.add($0) },
            clock: TestClock(1_795_827_723)
        )
    }

    @Test func importsEveryPairRewritesTheFileAndKeepsAPrivateBackup() throws {
        let dir = Directory()
        let path = dir.write("credentials", Self.file)
        let store = InMemorySecretStore()
        let notes = NoteLog()
        let report = try importer(store, notes: notes).run(
            path: path, displayPath: "creds", profiles: ["a", "b"],
            options: .init(file: .removeKeys(backup: true)))
        #expect(report.imported == ["a", "b"])
        #expect(try CredentialKeyring(store: store).keys(profile: "a")?.accessKeyId == Self.idA)
        #expect(
            dir.read("credentials") == """
                # keys
                [a]
                region = eu-west-1
                [b]
                [temp]
                aws_access_key_id = ASIATEMPTEMPTEMPTEMP
                aws_secret_access_key = \(Self.secret)
                aws_session_token = t

                """)
        #expect(dir.mode("credentials") == 0o640)
        #expect(dir.names() == ["credentials", "credentials.bak-20261128T010203Z"])
        #expect(dir.read("credentials.bak-20261128T010203Z") == Self.file)
        #expect(dir.mode("credentials.bak-20261128T010203Z") == 0o600)
        #expect(!notes.text.contains(Self.secret))
    }

    @Test func temporaryKeysAreSkippedAndStoredKeysAreNotReplacedWithoutForce() throws {
        let dir = Directory()
        let path = dir.write("credentials", Self.file)
        let store = InMemorySecretStore()
        let keyring = CredentialKeyring(store: store)
        try keyring.storeKeys(
            try LongLivedKeys(accessKeyId: "AKIAOLDOLDOLDOLDOLDO", secretAccessKey: Self.secret), profile: "b"
        )
        let notes = NoteLog()
        #expect(throws: ImportError.skipped(["b"])) {
            try importer(store, notes: notes).run(
                path: path, displayPath: "creds", profiles: [],
                options: .init(file: .removeKeys(backup: true)))
        }
        #expect(try keyring.keys(profile: "b")?.accessKeyId == "AKIAOLDOLDOLDOLDOLDO")
        #expect(try keyring.keys(profile: "a")?.accessKeyId == Self.idA)
        #expect(notes.text.contains("Skipped profile 'b'"))
        #expect(notes.text.contains("--force"))
        // Only a's keys left the file.
        #expect(dir.read("credentials")?.contains("aws_access_key_id = \(Self.idB)") == true)
        #expect(dir.read("credentials")?.contains(Self.idA) == false)

        let forced = try importer(store, notes: NoteLog()).run(
            path: path, displayPath: "creds", profiles: ["b"], options: .init(replaceStoredKeys: true))
        #expect(forced.imported == ["b"])
        #expect(try keyring.keys(profile: "b")?.accessKeyId == Self.idB)
    }

    @Test func aFileThatDoesNotParseIsLeftAlone() throws {
        let dir = Directory()
        let broken = "[a]\naws_access_key_id = \(Self.idA)\nno delimiter here\n"
        let path = dir.write("credentials", broken)
        let store = InMemorySecretStore()
        let error = #expect(throws: ImportError.self) {
            try importer(store, notes: NoteLog()).run(
                path: path, displayPath: "creds", profiles: [],
                options: .init(file: .removeKeys(backup: true)))
        }
        guard case .unparsable(let parse)? = error else {
            Issue.record("expected the file refused, got \(String(describing: error))")
            return
        }
        #expect(parse.line == 3)
        #expect(error?.description.contains("creds, line 3") == true)
        #expect(error?.description.contains("nothing was changed") == true)
        #expect(dir.read("credentials") == broken)
        #expect(dir.names() == ["credentials"])
        #expect(store.all.isEmpty)
    }

    @Test func anUnknownProfileOrAMissingFileIsAnError() throws {
        let dir = Directory()
        let path = dir.write("credentials", Self.file)
        #expect(throws: ImportError.noSuchProfile("nope", displayPath: "creds")) {
            try importer(InMemorySecretStore(), notes: NoteLog()).run(
                path: path, displayPath: "creds", profiles: ["nope"])
        }
        #expect(throws: ImportError.noFile(displayPath: "none")) {
            try importer(InMemorySecretStore(), notes: NoteLog()).run(
                path: dir.path + "/none", displayPath: "none", profiles: [])
        }
    }

    @Test func backupStamp() {
        #expect(KeyImport.backupStamp(0) == "19700101T000000Z")
    }
}

/// Collects diagnostics.
final class NoteLog: @unchecked Sendable {
    private(set) var lines: [String] = []
    func add(_ line: String) { lines.append(line) }
    var text: String { lines.joined(separator: "\n") }
}
