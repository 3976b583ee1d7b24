import Keyring
import Synchronization

/// A `SecretStore` in memory, with the Secret Service's replace-on-same-attributes behaviour.
package final class InMemorySecretStore: SecretStore {
    package struct Item {
        package var label: String
        package var attributes: [String: String]
        package var secret: String
    }

    private let items = Mutex<[Item]>([])

    package init() {}
    /// When set, every call fails with this error.
    package let failure = Mutex<KeyringError?>(nil)
    /// A locked collection: attributes can still be searched, secrets cannot be read, written or
    /// deleted (what `SecretServiceKeyring` reports for a locked keyring without an unlock prompt).
    package let locked = Mutex(false)
    package static let lockedError = KeyringError.locked(detail: "test collection locked")

    private func checkUnlocked() throws(KeyringError) {
        if locked.withLock({ $0 }) { throw Self.lockedError }
    }

    package var all: [Item] { items.withLock { $0 } }

    package func store(secret: String, label: String, attributes: [String: String]) throws(KeyringError) {
        if let failure = failure.withLock({ $0 }) { throw failure }
        try checkUnlocked()
        items.withLock { items in
            items.removeAll { $0.attributes == attributes }
            items.append(Item(label: label, attributes: attributes, secret: secret))
        }
    }

    package func lookup(attributes: [String: String]) throws(KeyringError) -> String? {
        if let failure = failure.withLock({ $0 }) { throw failure }
        try checkUnlocked()
        return items.withLock { $0.first { $0.attributes.matches(attributes) }?.secret }
    }

    package func delete(attributes: [String: String]) throws(KeyringError) -> Bool {
        if let failure = failure.withLock({ $0 }) { throw failure }
        try checkUnlocked()
        return items.withLock { items in
            let before = items.count
            items.removeAll { $0.attributes.matches(attributes) }
            return items.count != before
        }
    }

    package func search(attributes: [String: String]) throws(KeyringError) -> [KeyringItem] {
        if let failure = failure.withLock({ $0 }) { throw failure }
        return items.withLock { items in
            items.filter { $0.attributes.matches(attributes) }.map {
                KeyringItem(label: $0.label, attributes: $0.attributes)
            }
        }
    }

    /// Puts an arbitrary secret under the tool's access-key attributes (a corrupt or foreign item).
    package func plant(secret: String, profile: String) {
        items.withLock {
            $0.append(
                Item(
                    label: "planted",
                    attributes: [
                        "application": "awskeyring-helper", "kind": "access-key", "profile": profile,
                    ],
                    secret: secret))
        }
    }
}

extension [String: String] {
    fileprivate func matches(_ query: [String: String]) -> Bool {
        query.allSatisfy { self[$0.key] == $0.value }
    }
}
