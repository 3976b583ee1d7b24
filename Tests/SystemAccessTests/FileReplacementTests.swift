import Testing

@testable import AWSConfigFile
@testable import SystemAccess
@testable import TextFormats

#if canImport(Glibc)
    import Glibc
#endif

/// Rewriting a file must never leave its old contents under another name.
@Suite struct FileReplacementTests {
    func directory() -> String {
        let path = "/tmp/awskh-replace-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        mkdir(path, 0o700)
        return path
    }

    func write(_ text: String, to path: String) throws {
        try FileReplacement.writeNewPrivateFile(Array(text.utf8), at: path)
    }

    func read(_ path: String) throws -> String? {
        try ConfigFileAccess.readFile(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Removes the files a test made and its directory.
    func remove(_ dir: String, _ names: [String]) {
        for name in names { unlink(dir + "/" + name) }
        rmdir(dir)
    }

    @Test func aLinkIsFollowedAndKept() throws {
        let dir = directory()
        defer { remove(dir, ["target", "link"]) }
        try write("old", to: dir + "/target")
        #expect(chmod(dir + "/target", 0o640) == 0)
        #expect(symlink(dir + "/target", dir + "/link") == 0)
        let written = try FileReplacement.replace(dir + "/link", with: Array("new".utf8))
        #expect(written == dir + "/target")
        #expect(try read(dir + "/target") == "new")
        var info = stat()
        #expect(lstat(dir + "/link", &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK)
        #expect(stat(dir + "/target", &info) == 0 && info.st_mode & 0o777 == 0o640)
    }

    @Test func aHardLinkedFileIsRefusedUnchanged() throws {
        let dir = directory()
        defer { remove(dir, ["a", "b"]) }
        try write("old", to: dir + "/a")
        #expect(link(dir + "/a", dir + "/b") == 0)
        let error = #expect(throws: FileError.self) {
            try FileReplacement.replace(dir + "/a", with: Array("new".utf8))
        }
        guard case .hardLinks(let path, count: 2) = error else {
            Issue.record("expected a refusal of the file with 2 hard links, got \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("/a"))
        #expect(error?.description.contains("2 hard links") == true)
        #expect(try read(dir + "/a") == "old")
        #expect(try read(dir + "/b") == "old")
    }

    @Test func shellWords() {
        #expect(
            ShellQuoting.word("/h/.aws/credentials.bak-20261201T101010Z")
                == "/h/.aws/credentials.bak-20261201T101010Z")
        #expect(ShellQuoting.word("/h/my dir/it's") == #"'/h/my dir/it'\''s'"#)
        #expect(ShellQuoting.path("~/my dir/c") == "~/'my dir/c'")
        #expect(ShellQuoting.path("~/.aws/c") == "~/.aws/c")
        #expect(ShellQuoting.word("") == "''")
    }
}
