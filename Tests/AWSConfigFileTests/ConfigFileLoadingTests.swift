import Testing

@testable import AWSConfigFile

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private func writeBytes(_ descriptor: Int32, _ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

/// Reading the files from disk, and `load(environment:)` end to end.
struct ConfigFileLoadingTests {
    /// A fresh directory, removed (with its plain files) when the test ends.
    final class TemporaryDirectory {
        let path: String
        private var created: [String] = []

        init() throws {
            var template = Array("/tmp/awskeyring-config-XXXXXX".utf8CString)
            let result = template.withUnsafeMutableBufferPointer { buffer -> UnsafeMutablePointer<CChar>? in
                guard let base = buffer.baseAddress else { return nil }
                return mkdtemp(base)
            }
            path = try #require(result.map { String(cString: $0) })
        }

        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            try write(name, Array(text.utf8))
        }

        @discardableResult
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let file = path + "/" + name
            let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            let written = writeBytes(descriptor, bytes)
            try #require(written == bytes.count)
            created.append(file)
            return file
        }

        func remember(_ file: String) { created.append(file) }

        deinit {
            for file in created.reversed() {
                if unlink(file) != 0 { rmdir(file) }
            }
            rmdir(path)
        }
    }

    @Test func readsBothFilesAndMerges() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            "config",
            "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n[sso-session s]\nsso_region = us-east-1\n[services v]\ns3 =\n  endpoint_url = http://localhost\n"
        )
        try directory.write(
            "credentials",
            "[default]\naws_access_key_id = A\n[dev]\naws_access_key_id = B\n[only-creds]\naws_access_key_id = C\n"
        )
        let files = try AWSConfigFiles.load(environment: [
            "HOME": directory.path, "AWS_CONFIG_FILE": "~/config",
            "AWS_SHARED_CREDENTIALS_FILE": "${HOME}/credentials",
        ])
        #expect(files.configPath == directory.path + "/config")
        #expect(files.credentialsPath == directory.path + "/credentials")
        #expect(files.configFileFound && files.credentialsFileFound)
        #expect(
            files.profiles == [
                "default": ["region": .string("us-east-1"), "aws_access_key_id": .string("A")],
                "dev": ["region": .string("eu-west-1"), "aws_access_key_id": .string("B")],
                "only-creds": ["aws_access_key_id": .string("C")],
            ])
        #expect(
            files.configFileProfiles == [
                "default": ["region": .string("us-east-1")], "dev": ["region": .string("eu-west-1")],
            ])
        #expect(
            files.credentialsFileProfiles == [
                "default": ["aws_access_key_id": .string("A")], "dev": ["aws_access_key_id": .string("B")],
                "only-creds": ["aws_access_key_id": .string("C")],
            ])
        #expect(files.ssoSessions == ["s": ["sso_region": .string("us-east-1")]])
        #expect(files.services == ["v": ["s3": .nested(["endpoint_url": "http://localhost"])]])
    }

    @Test func defaultPathsUnderHome() throws {
        let directory = try TemporaryDirectory()
        let files = try AWSConfigFiles.load(environment: ["HOME": directory.path])
        #expect(files.configPath == directory.path + "/.aws/config")
        #expect(files.credentialsPath == directory.path + "/.aws/credentials")
        #expect(!files.configFileFound && !files.credentialsFileFound)
        #expect(files.profiles.isEmpty)
    }

    @Test func emptyVariableMeansNoFile() throws {
        let files = try AWSConfigFiles.load(environment: [
            "HOME": "/nonexistent", "AWS_CONFIG_FILE": "", "AWS_SHARED_CREDENTIALS_FILE": "",
        ])
        #expect(files.configPath == "" && files.credentialsPath == "")
        #expect(!files.configFileFound && !files.credentialsFileFound)
    }

    @Test func directoryAndMissingFilesReadAsEmpty() throws {
        let directory = try TemporaryDirectory()
        #expect(try ConfigFileAccess.readFile(atPath: directory.path) == nil)
        #expect(try ConfigFileAccess.readFile(atPath: directory.path + "/missing") == nil)
        #expect(try ConfigFileAccess.readFile(atPath: directory.path + "/missing/below") == nil)
        let file = try directory.write("file", "x")
        #expect(try ConfigFileAccess.readFile(atPath: file + "/below") == nil)  // ENOTDIR
        let fifo = directory.path + "/fifo"
        try #require(mkfifo(fifo, 0o600) == 0)
        directory.remember(fifo)
        #expect(try ConfigFileAccess.readFile(atPath: fifo) == nil)
    }

    @Test func readsBytesExactly() throws {
        let directory = try TemporaryDirectory()
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF, 0x5B, 0x0D, 0x0A, 0x00, 0xFF]
        let file = try directory.write("bytes", bytes)
        #expect(try ConfigFileAccess.readFile(atPath: file) == bytes)
        let empty = try directory.write("empty", [])
        #expect(try ConfigFileAccess.readFile(atPath: empty) == [])
    }

    @Test func symlinkedFileIsFollowed() throws {
        let directory = try TemporaryDirectory()
        let target = try directory.write("target", "[default]\na = 1\n")
        let link = directory.path + "/link"
        try #require(symlink(target, link) == 0)
        directory.remember(link)
        let files = try AWSConfigFiles.load(environment: ["HOME": directory.path, "AWS_CONFIG_FILE": link])
        #expect(files.configFileFound)
        #expect(files.profiles == ["default": ["a": .string("1")]])
    }

    @Test func unreadablePathIsAnError() throws {
        let directory = try TemporaryDirectory()
        let loop = directory.path + "/loop"
        try #require(symlink(loop, loop) == 0)
        directory.remember(loop)
        #expect(
            throws: ConfigFileError(
                path: "~/loop", line: nil, reason: "cannot be read: \(String(cString: strerror(ELOOP)))")
        ) {
            _ = try AWSConfigFiles.load(environment: ["HOME": directory.path, "AWS_CONFIG_FILE": "~/loop"])
        }
    }

    @Test func permissionDeniedIsAnErrorNamedByDisplayPath() throws {
        let denied = ConfigFileError(
            path: "/home/u/.aws/credentials", line: nil, reason: "cannot be read: Permission denied")
        #expect(
            throws: ConfigFileError(
                path: "~/.aws/credentials", line: nil, reason: "cannot be read: Permission denied")
        ) {
            _ = try AWSConfigFiles.load(environment: ["HOME": "/home/u"]) { path throws(ConfigFileError) in
                if path.hasSuffix("credentials") { throw denied }
                return nil
            }
        }
    }

    @Test func tooLargeFileIsAnError() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("big", [])
        try #require(truncate(file, off_t(ConfigFileAccess.maximumFileSize + 1)) == 0)
        #expect(throws: ConfigFileError(path: file, line: nil, reason: "is too large (over 16 MiB)")) {
            _ = try ConfigFileAccess.readFile(atPath: file)
        }
        try #require(truncate(file, off_t(ConfigFileAccess.maximumFileSize)) == 0)
        #expect(try ConfigFileAccess.readFile(atPath: file)?.count == ConfigFileAccess.maximumFileSize)
    }

    @Test func parseErrorsUseTheDisplayPath() throws {
        let directory = try TemporaryDirectory()
        try directory.write("config", "[default]\nbogus\n")
        #expect(
            throws: ConfigFileError(
                path: "~/config", line: 2,
                reason: "this line has no '=' or ':' (option lines look like 'name = value')")
        ) {
            _ = try AWSConfigFiles.load(environment: [
                "HOME": directory.path + "/", "AWS_CONFIG_FILE": "~/config",
            ])
        }
    }

    @Test(arguments: [
        ("/home/u/.aws/config", "/home/u", "~/.aws/config"),
        ("/home/u/.aws/config", "/home/u/", "~/.aws/config"),
        ("/home/u", "/home/u", "~"),
        ("/home/user/.aws/config", "/home/u", "/home/user/.aws/config"),
        ("/etc/aws", "/", "/etc/aws"),
        ("/etc/aws", "", "/etc/aws"),
    ])
    func displayPath(_ path: String, _ home: String, _ shown: String) {
        #expect(ConfigFileAccess.displayPath(path, environment: ["HOME": home]) == shown)
    }

    @Test func aMegabyteFileParsesWhole() throws {
        // About 1 MB: many profiles with plain, continued and nested values.
        var text = ""
        var number = 0
        while text.utf8.count < 1_000_000 {
            text += "[profile p\(number)]\nregion = us-east-1\naws_access_key_id = AKIAEXAMPLE\(number)\n"
            text += "role_arn = arn:aws:iam::123456789012:role/r\(number)\ns3 =\n  addressing_style = path\n"
            text += "  max_concurrent_requests = 20\nnote = a\n  b\n\n"
            number += 1
        }
        let files = try AWSConfigFiles.parse(
            config: Array(text.utf8), credentials: nil, configPath: "c", credentialsPath: "k")
        #expect(files.profiles.count == number)
        #expect(files.profiles["p0"]?["note"] == .string("a\nb"))
        #expect(
            files.profiles["p\(number - 1)"]?["s3"]
                == .nested(["addressing_style": "path", "max_concurrent_requests": "20"]))
    }
}
