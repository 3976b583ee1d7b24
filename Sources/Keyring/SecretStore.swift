/// An item in a secret store, as far as it can be seen without unlocking it.
package struct KeyringItem: Sendable, Equatable {
    package var label: String
    package var attributes: [String: String]

    package init(label: String, attributes: [String: String]) {
        self.label = label
        self.attributes = attributes
    }
}

/// A place that keeps secrets under a set of attributes. The Secret Service implements it; tests use an
/// in-memory one. Attributes are not secret (the Secret Service stores them unencrypted); secrets are.
package protocol SecretStore: Sendable {
    /// Stores `secret` under exactly these attributes, replacing any item that has them.
    func store(secret: String, label: String, attributes: [String: String]) throws(KeyringError)
    /// The secret of the item with these attributes, or nil when there is none.
    func lookup(attributes: [String: String]) throws(KeyringError) -> String?
    /// The secrets of several items at once (one round trip where the store allows it), in order.
    func lookup(_ queries: [[String: String]]) throws(KeyringError) -> [String?]
    /// Deletes every item with these attributes; returns whether any existed.
    @discardableResult
    func delete(attributes: [String: String]) throws(KeyringError) -> Bool
    /// Items whose attributes include all of these, without reading their secrets.
    func search(attributes: [String: String]) throws(KeyringError) -> [KeyringItem]
    /// Throws unless items can be stored now.
    func requireWritable() throws(KeyringError)
}

extension SecretStore {
    package func requireWritable() throws(KeyringError) {}

    package func lookup(_ queries: [[String: String]]) throws(KeyringError) -> [String?] {
        var secrets: [String?] = []
        for query in queries { secrets.append(try lookup(attributes: query)) }
        return secrets
    }
}
