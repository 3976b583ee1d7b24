import Foundation
import Testing

@testable import Keyring

/// Runs against the real kernel key retention service of this machine, under names unique to the run;
/// where the kernel refuses these calls (many containers), there is nothing to test.
@Suite(.enabled(if: KernelKeyring().store([1], description: "awskeyring-helper-probe", lifetime: 1)))
struct KernelKeyringTests {
    let kernel = KernelKeyring()
    let prefix = "awskeyring-helper-test:\(UInt64.random(in: 0...UInt64.max)):"

    @Test func storesReadsAndRemoves() {
        #expect(kernel.read(description: prefix + "a") == nil)
        #expect(kernel.store(Array("first".utf8), description: prefix + "a", lifetime: 60))
        #expect(kernel.read(description: prefix + "a") == Array("first".utf8))
        #expect(kernel.store(Array("second".utf8), description: prefix + "a", lifetime: 60))
        #expect(kernel.read(description: prefix + "a") == Array("second".utf8))
        #expect(kernel.remove(descriptionsWithPrefix: prefix) == 1)
        #expect(kernel.read(description: prefix + "a") == nil)
    }

    @Test func keysAreForPossessorsOnlyAndAlwaysExpire() throws {
        #expect(kernel.store([7], description: prefix + "perm", lifetime: 600))
        defer { kernel.remove(descriptionsWithPrefix: prefix) }
        // /proc files report no size, so they are read to their end rather than by their length.
        let keys = String(
            decoding: try #require(FileHandle(forReadingAtPath: "/proc/keys")).readDataToEndOfFile(),
            as: UTF8.self)
        let line = try #require(keys.split(separator: "\n").first { $0.contains(prefix + "perm") })
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        // serial flags usage timeout perm uid gid type description
        #expect(fields[4] == "3f000000")
        #expect(fields[3] != "perm")
        #expect(kernel.entries(withPrefix: prefix).map(\.size) == [1])
    }

    @Test func largePayloadsAreReadWhole() {
        let payload = (0..<10_000).map { UInt8($0 % 251) }
        #expect(kernel.store(payload, description: prefix + "large", lifetime: 60))
        #expect(kernel.read(description: prefix + "large") == payload)
        kernel.remove(descriptionsWithPrefix: prefix)
    }

    @Test func removalCanBeNarrowed() {
        kernel.store([1], description: prefix + "keep", lifetime: 60)
        kernel.store([2], description: prefix + "drop", lifetime: 60)
        #expect(kernel.remove(descriptionsWithPrefix: prefix) { $0.hasSuffix("drop") } == 1)
        #expect(kernel.read(description: prefix + "keep") == [1])
        #expect(kernel.read(description: prefix + "drop") == nil)
        kernel.remove(descriptionsWithPrefix: prefix)
    }

    @Test func nothingIsStoredWithoutTimeLeft() {
        #expect(!kernel.store([1], description: prefix + "late", lifetime: 0))
        #expect(kernel.read(description: prefix + "late") == nil)
    }
}
