internal import CSecretLoader

/// An item another program wrote in the Secret Service (in any collection), with its secret when it
/// could be read without unlocking anything.
package struct ForeignItem: Sendable {
    package var label: String
    package var attributes: [String: String]
    /// The secret as text; nil when its collection is locked (or the secret is not text).
    package var secret: String?

    package init(label: String, attributes: [String: String], secret: String?) {
        self.label = label
        self.attributes = attributes
        self.secret = secret
    }
}

extension SecretServiceKeyring {
    /// The items of every collection that `select` accepts by label and attributes, each with its
    /// secret. Only the accepted items' secrets are read, and nothing is unlocked (no prompt): a locked
    /// item comes back without one.
    package func foreignItems(where select: (KeyringItem) -> Bool) throws(KeyringError) -> [ForeignItem] {
        try loadLibSecret()
        guard let everything = awskh_g_string_table_new() else { return [] }
        defer { awskh_g_hash_table_unref(everything) }
        // No schema: items whatever program wrote them.
        let list = try glibCall { error in
            awskh_secret_password_searchv_sync(nil, everything, SECRET_SEARCH_ALL, nil, error)
        }
        guard let list else { return [] }
        defer { awskh_g_object_list_free(list) }
        var found: [ForeignItem] = []
        var node: UnsafeMutablePointer<GList>? = list
        while let current = node {
            node = current.pointee.next
            guard let data = current.pointee.data else { continue }
            let retrievable = OpaquePointer(data)
            let item = Self.item(from: retrievable)
            guard select(item) else { continue }
            var secret: String?
            let value: OpaquePointer? = try? glibCall { error in
                awskh_secret_retrievable_retrieve_secret_sync(retrievable, nil, error)
            }
            if let value {
                defer { awskh_secret_value_unref(value) }
                if let text = awskh_secret_value_get_text(value) { secret = String(cString: text) }
            }
            found.append(ForeignItem(label: item.label, attributes: item.attributes, secret: secret))
        }
        return found
    }
}
