import Testing

@testable import Keyring

/// Runs against the real Secret Service of the session (scripts/test.sh starts a private
/// gnome-keyring-daemon for it). Every item carries this run's id, so runs never see each other.
@Suite(.serialized) struct SecretServiceKeyringTests {
    let keyring = SecretServiceKeyring(
        schemaName: "io.github.awskeyring-helper.Test", attributeNames: ["run", "name", "kind"])
    let run = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    func attributes(_ name: String, kind: String = "k") -> [String: String] {
        ["run": run, "name": name, "kind": kind]
    }

    @Test func storesLooksUpReplacesAndDeletes() throws {
        #expect(try keyring.lookup(attributes: attributes("a")) == nil)
        try keyring.store(secret: "first secret", label: "test a", attributes: attributes("a"))
        #expect(try keyring.lookup(attributes: attributes("a")) == "first secret")

        try keyring.store(secret: "second ✓ secret", label: "test a", attributes: attributes("a"))
        #expect(try keyring.lookup(attributes: attributes("a")) == "second ✓ secret")
        #expect(try keyring.search(attributes: ["run": run]).count == 1)

        #expect(try keyring.delete(attributes: attributes("a")) == true)
        #expect(try keyring.lookup(attributes: attributes("a")) == nil)
        #expect(try keyring.delete(attributes: attributes("a")) == false)
    }

    @Test func searchReturnsAttributesAndLabelsWithoutSecrets() throws {
        try keyring.store(secret: "s1", label: "label one", attributes: attributes("one"))
        try keyring.store(secret: "s2", label: "label two", attributes: attributes("two", kind: "other"))
        defer {
            _ = try? keyring.delete(attributes: ["run": run])
        }
        let items = try keyring.search(attributes: ["run": run]).sorted { $0.label < $1.label }
        #expect(items.map(\.label) == ["label one", "label two"])
        #expect(items.map { $0.attributes["name"] } == ["one", "two"])
        #expect(items.allSatisfy { $0.attributes["xdg:schema"] == "io.github.awskeyring-helper.Test" })
        #expect(try keyring.search(attributes: ["run": run, "kind": "other"]).count == 1)
    }

    @Test func anotherSchemaDoesNotSeeTheseItems() throws {
        try keyring.store(secret: "mine", label: "mine", attributes: attributes("x"))
        defer { _ = try? keyring.delete(attributes: attributes("x")) }
        let other = SecretServiceKeyring(
            schemaName: "io.github.awskeyring-helper.Other", attributeNames: ["run", "name", "kind"])
        #expect(try other.lookup(attributes: attributes("x")) == nil)
        #expect(try other.search(attributes: ["run": run]).isEmpty)
    }

    /// Matching items that a lookup or delete did not reach mean a locked collection, never "none".
    @Test func itemsLeftBehindMeanLocked() {
        #expect(SecretServiceKeyring.lockedError(remainingItems: 0) == nil)
        guard case .locked(let detail) = SecretServiceKeyring.lockedError(remainingItems: 1) else {
            Issue.record("one remaining item is not reported as locked")
            return
        }
        #expect(detail.contains("locked collection"))
        #expect(KeyringError.locked(detail: detail).description.hasPrefix("the keyring is locked"))
    }
}
