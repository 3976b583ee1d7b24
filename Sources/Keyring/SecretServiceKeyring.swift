internal import CLibSecret

/// The freedesktop Secret Service (GNOME Keyring, KeePassXC, KWallet's bridge) through libsecret.
///
/// Items go into the user's default collection: creating a collection of our own would need a graphical
/// prompt, which fails on a headless machine. Every item is tagged with the schema name, so searches
/// never see other programs' secrets.
public final class SecretServiceKeyring: SecretStore, @unchecked Sendable {
    // libsecret's schema object is immutable once built and libsecret's sync calls are thread-safe.
    private let schema: UnsafeMutablePointer<SecretSchema>

    /// - Parameters:
    ///   - schemaName: a reverse-DNS name that marks this program's items.
    ///   - attributeNames: the (string) attributes items may carry.
    public init(schemaName: String, attributeNames: [String]) {
        let types = GLibStringTable()
        for name in attributeNames {
            // SECRET_SCHEMA_ATTRIBUTE_STRING is 0, which is what a null pointer value encodes.
            g_hash_table_insert(types.table, g_strdup(name), nil)
        }
        schema = secret_schema_newv(schemaName, SECRET_SCHEMA_NONE, types.table)
    }

    deinit {
        secret_schema_unref(schema)
    }

    public func store(secret: String, label: String, attributes: [String: String]) throws(KeyringError) {
        let table = GLibStringTable(attributes)
        let stored = try glibCall { error in
            secret_password_storev_sync(
                schema, table.table, SECRET_COLLECTION_DEFAULT, label, secret, nil, error)
        }
        if stored == 0 {
            throw .failed(domain: "libsecret", code: 0, message: "the Secret Service did not store the item")
        }
    }

    public func lookup(attributes: [String: String]) throws(KeyringError) -> String? {
        let table = GLibStringTable(attributes)
        let secret = try glibCall { error in
            secret_password_lookupv_sync(schema, table.table, nil, error)
        }
        guard let secret else { return nil }
        defer { secret_password_free(secret) }
        return String(cString: secret)
    }

    @discardableResult
    public func delete(attributes: [String: String]) throws(KeyringError) -> Bool {
        let table = GLibStringTable(attributes)
        let removed = try glibCall { error in
            secret_password_clearv_sync(schema, table.table, nil, error)
        }
        return removed != 0
    }

    public func search(attributes: [String: String]) throws(KeyringError) -> [KeyringItem] {
        let table = GLibStringTable(attributes)
        let list = try glibCall { error in
            secret_password_searchv_sync(schema, table.table, SECRET_SEARCH_ALL, nil, error)
        }
        guard let list else { return [] }
        defer { g_list_free_full(list, g_object_unref) }

        var items: [KeyringItem] = []
        var node: UnsafeMutablePointer<GList>? = list
        while let current = node {
            if let data = current.pointee.data {
                items.append(Self.item(from: OpaquePointer(data)))
            }
            node = current.pointee.next
        }
        return items
    }

    private static func item(from retrievable: OpaquePointer) -> KeyringItem {
        var attributes: [String: String] = [:]
        if let table = secret_retrievable_get_attributes(retrievable) {
            defer { g_hash_table_unref(table) }
            var iterator = GHashTableIter()
            g_hash_table_iter_init(&iterator, table)
            var key: gpointer?
            var value: gpointer?
            while g_hash_table_iter_next(&iterator, &key, &value) != 0 {
                guard let key, let value else { continue }
                attributes[String(cString: key.assumingMemoryBound(to: CChar.self))] =
                    String(cString: value.assumingMemoryBound(to: CChar.self))
            }
        }
        var label = ""
        if let cLabel = secret_retrievable_get_label(retrievable) {
            defer { g_free(cLabel) }
            label = String(cString: cLabel)
        }
        return KeyringItem(label: label, attributes: attributes)
    }
}

/// A GHashTable of owned C strings, released with its Swift owner.
private final class GLibStringTable {
    let table: OpaquePointer

    init(_ pairs: [String: String] = [:]) {
        table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free)
        for (key, value) in pairs {
            g_hash_table_insert(table, g_strdup(key), g_strdup(value))
        }
    }

    deinit {
        g_hash_table_unref(table)
    }
}
