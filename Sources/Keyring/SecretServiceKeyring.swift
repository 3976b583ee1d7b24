internal import CSecretBus
internal import CSecretLoader
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The freedesktop Secret Service (GNOME Keyring, KeePassXC, KWallet's bridge) through libsecret.
///
/// Items go into the user's default collection: creating a collection of our own would need a graphical
/// prompt, which fails on a headless machine. Every item is tagged with the schema name, so searches
/// never see other programs' secrets. libsecret itself is loaded on the first call, not before.
package final class SecretServiceKeyring: SecretStore, Sendable {
    private let schemaName: String
    private let attributeNames: [String]
    /// Built on first use; libsecret's schema is immutable once built and its sync calls are
    /// thread-safe, so the pointer may be shared.
    private let schema = Mutex<SchemaHandle?>(nil)
    /// The sd-bus connection for reads and lock state, made on first use; `.unavailable` where
    /// libsystemd cannot be loaded (reads then go through libsecret).
    private let bus = Mutex<BusConnection>(.notConnected)
    /// How long a call that may wait for a person at the provider's dialog may take (seconds).
    private let dialogTimeout = Mutex<Double>(Double(AWSKH_BUS_DEFAULT_DIALOG_TIMEOUT_MS) / 1000)

    /// - Parameters:
    ///   - schemaName: a reverse-DNS name that marks this program's items.
    ///   - attributeNames: the (string) attributes items may carry.
    package init(schemaName: String, attributeNames: [String]) {
        self.schemaName = schemaName
        self.attributeNames = attributeNames
    }

    deinit {
        schema.withLock { handle in
            if let handle { awskh_secret_schema_unref(handle.pointer) }
        }
    }

    private func loadedSchema() throws(KeyringError) -> OpaquePointer {
        try loadLibSecret()
        let pointer = schema.withLock { handle -> OpaquePointer? in
            if let handle { return handle.pointer }
            let types = GLibStringTable()
            for name in attributeNames {
                // SECRET_SCHEMA_ATTRIBUTE_STRING is 0, which is what a null value encodes.
                awskh_g_hash_table_insert_null(types.table, name)
            }
            let pointer = awskh_secret_schema_newv(schemaName, SECRET_SCHEMA_NONE, types.table)
            handle = pointer.map(SchemaHandle.init)
            return pointer
        }
        guard let pointer else {
            throw .failed(domain: "libsecret", code: 0, message: "libsecret could not build the item schema")
        }
        return pointer
    }

    package func store(secret: String, label: String, attributes: [String: String]) throws(KeyringError) {
        // libsecret would otherwise try a graphical unlock prompt, or fail with a raw "Object does not
        // exist" where there is no default collection yet.
        try requireWritable()
        let schema = try loadedSchema()
        let table = GLibStringTable(attributes)
        let stored = try retryingVanishedItems { () throws(KeyringError) in
            try glibCall { error in
                awskh_secret_password_storev_sync(
                    schema, table.table, SECRET_COLLECTION_DEFAULT, label, secret, nil, error)
            }
        }
        if stored == 0 {
            throw .failed(domain: "libsecret", code: 0, message: "the Secret Service did not store the item")
        }
    }

    package func lookup(attributes: [String: String]) throws(KeyringError) -> String? {
        try lookup([attributes])[0]
    }

    /// The secrets of several items, read in one round trip where sd-bus is available. A locked
    /// collection is reported as `.locked`, never as a missing item: gnome-keyring hides the items of a
    /// keyring it loaded locked from searches altogether, so a miss is checked against the default
    /// collection's lock state.
    package func lookup(_ queries: [[String: String]]) throws(KeyringError) -> [String?] {
        try retryingVanishedItems { () throws(KeyringError) in try lookupOnce(queries) }
    }

    /// How often, and how many microseconds apart, an item whose secret reads as empty is read again.
    static let emptySecretRereads = 25
    static let emptySecretPause: UInt32 = 20_000

    /// Sets how long a call that may wait for a person at the provider's own dialog may take: a search
    /// the provider holds while it asks to unlock, a prompt. Calls that need no person are bounded by a
    /// few seconds.
    package func setDialogTimeout(seconds: Double) {
        dialogTimeout.withLock { $0 = seconds }
        bus.withLock { connection in
            if case .connected(let bus) = connection { bus.setTimeouts(dialog: seconds) }
        }
    }

    private func lookupOnce(_ queries: [[String: String]]) throws(KeyringError) -> [String?] {
        let answer = try withBus { bus throws(KeyringError) -> [String?] in
            let attributes = queries.map { $0.merging(["xdg:schema": schemaName]) { $1 } }
            var found = try bus.search(attributes)
            let lockedOnly = found.compactMap { $0.unlockedItem == nil ? $0.lockedItem : nil }
            if !lockedOnly.isEmpty, try Self.confirmAccess(to: lockedOnly, bus) {
                found = try bus.search(attributes)
            }
            for result in found where result.unlockedItem == nil {
                if let error = Self.lockedError(remainingItems: result.lockedCount) { throw error }
            }
            let items = found.map(\.unlockedItem)
            let paths = items.compactMap { $0 }
            var secrets = try bus.secrets(of: paths)
            // KWallet lists an item it has just created before its secret is there: for a moment after
            // another process stored it, the item reads as empty (seen under load). This tool never
            // stores an empty secret, so an empty one is read again, briefly, instead of being taken
            // for a corrupt item (which the session cache would delete, and then miss).
            for _ in 0..<Self.emptySecretRereads where secrets.contains("") {
                usleep(Self.emptySecretPause)
                secrets = try bus.secrets(of: paths)
            }
            // An item locked between the search and the read comes back without a secret.
            guard !secrets.contains(nil) else {
                throw .locked(detail: "an item was locked while it was read")
            }
            var secretsByPath: [String: String] = [:]
            for (path, secret) in zip(paths, secrets) { secretsByPath[path] = secret }
            if paths.count < queries.count { try Self.failIfDefaultLocked(bus) }
            return items.map { $0.flatMap { secretsByPath[$0] } }
        }
        if let answer { return answer }
        var secrets: [String?] = []
        for query in queries { secrets.append(try libsecretLookup(attributes: query)) }
        return secrets
    }

    private func libsecretLookup(attributes: [String: String]) throws(KeyringError) -> String? {
        let schema = try loadedSchema()
        let table = GLibStringTable(attributes)
        let secret = try glibCall { error in
            awskh_secret_password_lookupv_sync(schema, table.table, nil, error)
        }
        guard let secret else {
            // libsecret answers "nothing" when the only matching items are locked and the unlock prompt
            // could not be shown (no graphical session): that is not "no item".
            try failIfItemsRemain(attributes)
            return nil
        }
        defer { awskh_secret_password_free(secret) }
        return String(cString: secret)
    }

    @discardableResult
    package func delete(attributes: [String: String]) throws(KeyringError) -> Bool {
        if let removed = try retryingVanishedItems({ () throws(KeyringError) in try busDelete(attributes) }) {
            return removed
        }
        let schema = try loadedSchema()
        let table = GLibStringTable(attributes)
        let removed = try retryingVanishedItems { () throws(KeyringError) in
            try glibCall { error in awskh_secret_password_clearv_sync(schema, table.table, nil, error) }
        }
        // Items in a locked collection are skipped without an error; they are still there.
        try failIfItemsRemain(attributes)
        return removed != 0
    }

    /// Deletes every item with these attributes over sd-bus (nil where it is unavailable). Items the
    /// provider shows as locked in an unlocked collection (KeePassXC's access confirmation) are unlocked
    /// through its prompt first: libsecret would skip them.
    private func busDelete(_ attributes: [String: String]) throws(KeyringError) -> Bool? {
        try withBus { bus throws(KeyringError) -> Bool in
            let query = [attributes.merging(["xdg:schema": schemaName]) { $1 }]
            var removed = false
            var confirmed: Set<String> = []
            // Each round removes one item; a bound keeps a service that never stops listing items from
            // holding the command.
            for _ in 0..<1000 {
                guard let found = try bus.search(query).first else { break }
                if let item = found.unlockedItem {
                    try bus.deleteItem(item)
                    removed = true
                } else if let locked = found.lockedItem, !confirmed.contains(locked),
                    try Self.confirmAccess(to: [locked], bus)
                {
                    confirmed.insert(locked)
                } else {
                    if let error = Self.lockedError(remainingItems: found.lockedCount) { throw error }
                    break
                }
            }
            return removed
        }
    }

    /// Throws `.locked` when items with these attributes exist although a lookup or delete did not
    /// reach them. Attributes can be searched without unlocking, secrets cannot be read or items
    /// deleted: libsecret then tries to unlock, and where no prompt can be shown it silently gets
    /// nothing back.
    private func failIfItemsRemain(_ attributes: [String: String]) throws(KeyringError) {
        let remaining = try libsecretSearch(attributes: attributes).count
        if let error = Self.lockedError(remainingItems: remaining) { throw error }
        _ = try withBus { bus throws(KeyringError) in try Self.failIfDefaultLocked(bus) }
    }

    /// Asks the provider to unlock `items` when they are locked although the default collection is not
    /// (KeePassXC's access confirmation, on by default: each new program sees the items as locked until
    /// a person allows it in a dialog). Returns whether it asked; false when the collection is locked.
    private static func confirmAccess(to items: [String], _ bus: SecretServiceBus) throws(KeyringError)
        -> Bool
    {
        guard let collection = try bus.defaultCollection(), !collection.locked else { return false }
        guard displayAvailable() else {
            throw .accessNotConfirmed(detail: "there is no display here to show its dialog on")
        }
        do {
            try bus.unlockItems(items)
        } catch .noAnswer(let detail), .promptDismissed(let detail) {
            throw .accessNotConfirmed(detail: detail)
        }
        return true
    }

    /// Whether a graphical session is there, where a provider's dialog can be answered.
    private static func displayAvailable() -> Bool {
        for name in ["DISPLAY", "WAYLAND_DISPLAY"] {
            if let value = getenv(name), value.pointee != 0 { return true }
        }
        return false
    }

    private static func failIfDefaultLocked(_ bus: SecretServiceBus) throws(KeyringError) {
        if let collection = try bus.defaultCollection(), collection.locked {
            throw .locked(detail: "the default collection is locked")
        }
    }

    /// The error for `remainingItems` items that a lookup or delete could not reach (nil for none).
    static func lockedError(remainingItems: Int) -> KeyringError? {
        guard remainingItems > 0 else { return nil }
        return .locked(
            detail: "\(remainingItems == 1 ? "the item is" : "\(remainingItems) items are") in a locked "
                + "collection and no unlock prompt could be shown")
    }

    package func search(attributes: [String: String]) throws(KeyringError) -> [KeyringItem] {
        try requireAnswering()
        let items = try libsecretSearch(attributes: attributes)
        if items.isEmpty {
            _ = try withBus { bus throws(KeyringError) in try Self.failIfDefaultLocked(bus) }
        }
        return items
    }

    private func libsecretSearch(attributes: [String: String]) throws(KeyringError) -> [KeyringItem] {
        try retryingVanishedItems { () throws(KeyringError) in try libsecretSearchOnce(attributes: attributes)
        }
    }

    private func libsecretSearchOnce(attributes: [String: String]) throws(KeyringError) -> [KeyringItem] {
        let schema = try loadedSchema()
        let table = GLibStringTable(attributes)
        let list = try glibCall { error in
            awskh_secret_password_searchv_sync(schema, table.table, SECRET_SEARCH_ALL, nil, error)
        }
        guard let list else { return [] }
        defer { awskh_g_object_list_free(list) }

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

    static func item(from retrievable: OpaquePointer) -> KeyringItem {
        var attributes: [String: String] = [:]
        if let table = awskh_secret_retrievable_get_attributes(retrievable) {
            defer { awskh_g_hash_table_unref(table) }
            var iterator = GHashTableIter()
            awskh_g_hash_table_iter_init(&iterator, table)
            var key: gpointer?
            var value: gpointer?
            while awskh_g_hash_table_iter_next(&iterator, &key, &value) != 0 {
                guard let key, let value else { continue }
                attributes[String(cString: key.assumingMemoryBound(to: CChar.self))] =
                    String(cString: value.assumingMemoryBound(to: CChar.self))
            }
        }
        var label = ""
        if let cLabel = awskh_secret_retrievable_get_label(retrievable) {
            defer { awskh_g_free(cLabel) }
            label = String(cString: cLabel)
        }
        return KeyringItem(label: label, attributes: attributes)
    }
}

/// Runs a keyring call again (up to three times in all) when an item it found was deleted by another
/// process before it was read: parallel callers remove expired sessions while others search.
func retryingVanishedItems<T>(_ body: () throws(KeyringError) -> T) throws(KeyringError) -> T {
    var attempt = 1
    while true {
        do {
            return try body()
        } catch .itemVanished(let detail) {
            guard attempt < 3 else { throw .itemVanished(detail: detail) }
            attempt += 1
        }
    }
}

// MARK: - The default collection's state

/// Whether the user's default Secret Service collection exists and is unlocked.
package enum CollectionState: Equatable, Sendable {
    case missing
    case locked
    case unlocked
}

extension SecretServiceKeyring {
    /// Runs `body` with the sd-bus connection (made on first use); nil where libsystemd is unavailable.
    fileprivate func withBus<T>(_ body: (SecretServiceBus) throws(KeyringError) -> T) throws(KeyringError)
        -> T?
    {
        try bus.withLock { connection throws(KeyringError) -> T? in
            switch connection {
            case .unavailable:
                return nil
            case .connected(let bus):
                return try body(bus)
            case .notConnected:
                guard let bus = try SecretServiceBus.connect() else {
                    connection = .unavailable
                    return nil
                }
                bus.setTimeouts(dialog: dialogTimeout.withLock { $0 })
                connection = .connected(bus)
                return try body(bus)
            }
        }
    }

    /// Like `withBus`, for what cannot be done through libsecret without a graphical prompt.
    private func requiringBus<T>(_ body: (SecretServiceBus) throws(KeyringError) -> T) throws(KeyringError)
        -> T
    {
        guard let result = try withBus(body) else {
            throw .unsupported(
                detail: "libsystemd.so.0 (package libsystemd0) is needed to talk to the keyring directly")
        }
        return result
    }

    package func defaultCollectionState() throws(KeyringError) -> CollectionState {
        try requiringBus { bus throws(KeyringError) in
            guard let collection = try bus.defaultCollection() else { return .missing }
            return collection.locked ? .locked : .unlocked
        }
    }

    /// Throws `.noAnswer` when the service does not answer within a few seconds: libsecret's calls would
    /// each wait 25 seconds.
    private func requireAnswering() throws(KeyringError) {
        _ = try withBus { bus throws(KeyringError) in try bus.defaultCollection() }
    }

    /// Throws `.noDefaultCollection` or `.locked` unless items can be written now.
    package func requireWritable() throws(KeyringError) {
        _ = try withBus { bus throws(KeyringError) in
            guard let collection = try bus.defaultCollection() else { throw .noDefaultCollection }
            if collection.locked { throw .locked(detail: "the default collection is locked") }
        }
    }

    /// Locks the default collection; returns whether it was unlocked before.
    @discardableResult
    package func lockDefaultCollection() throws(KeyringError) -> Bool {
        try requiringBus { bus throws(KeyringError) in
            guard let collection = try bus.defaultCollection() else { throw .noDefaultCollection }
            guard !collection.locked else { return false }
            try bus.lock(collection: collection.path)
            return true
        }
    }

    /// Whether the provider unlocks and creates keyrings with a password typed here (gnome-keyring);
    /// other providers unlock with their own prompt.
    package func acceptsPasswords() throws(KeyringError) -> Bool {
        try requiringBus { bus throws(KeyringError) in try bus.hasPasswordInterface() }
    }

    /// Unlocks the default collection with its password (gnome-keyring).
    package func unlockDefaultCollection(password: [UInt8]) throws(KeyringError) {
        try requiringBus { bus throws(KeyringError) in
            guard let collection = try bus.defaultCollection() else { throw .noDefaultCollection }
            guard collection.locked else { return }
            try bus.unlock(collection: collection.path, password: password)
        }
    }

    /// Unlocks the default collection through the provider's own prompt.
    package func unlockDefaultCollectionWithPrompt() throws(KeyringError) {
        try requiringBus { bus throws(KeyringError) in
            guard let collection = try bus.defaultCollection() else { throw .noDefaultCollection }
            guard collection.locked else { return }
            try bus.unlockWithPrompt(collection: collection.path)
        }
    }

    /// Creates a keyring protected by `password` and makes it the default (gnome-keyring).
    package func createDefaultCollection(label: String, password: [UInt8]) throws(KeyringError) {
        try requiringBus { bus throws(KeyringError) in
            let path = try bus.createCollection(label: label, password: password)
            try bus.setDefaultAlias(collection: path)
        }
    }
}

/// The sd-bus connection of a `SecretServiceKeyring`.
private enum BusConnection: @unchecked Sendable {
    case notConnected
    case unavailable
    /// Used only under the keyring's mutex: an sd-bus connection is not thread-safe.
    case connected(SecretServiceBus)
}

/// The schema pointer, shareable across threads (see `SecretServiceKeyring.schema`).
private struct SchemaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// A GHashTable of owned C strings, released with its Swift owner.
private final class GLibStringTable {
    let table: OpaquePointer

    init(_ pairs: [String: String] = [:]) {
        table = awskh_g_string_table_new()
        for (key, value) in pairs {
            awskh_g_hash_table_insert(table, key, value)
        }
    }

    deinit {
        awskh_g_hash_table_unref(table)
    }
}
