internal import CSecretBus

#if canImport(Glibc)
    import Glibc
#endif

/// A connection to the Secret Service over sd-bus with a `plain` session: the fast way to read items,
/// and the way to see and change the default collection's lock state without a graphical prompt.
///
/// libsystemd is loaded on first use; where it cannot be loaded, `connect()` returns nil and callers use
/// libsecret instead.
final class SecretServiceBus {
    let handle: OpaquePointer

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        awskh_bus_close(handle)
    }

    /// A new connection, or nil when libsystemd is not available on this system.
    static func connect() throws(KeyringError) -> SecretServiceBus? {
        var error = awskh_bus_error()
        guard let handle = awskh_bus_open(&error) else {
            if error.kind == Int32(AWSKH_BUS_UNAVAILABLE) { return nil }
            throw KeyringError(busError: error)
        }
        return SecretServiceBus(handle: handle)
    }

    /// Changes how long calls may wait (seconds; nil keeps the current value): `call` for every call,
    /// `dialog` for those that may wait for a person at the provider's dialog (searches, prompts).
    func setTimeouts(call: Double? = nil, dialog: Double?) {
        func milliseconds(_ seconds: Double?) -> UInt64 {
            guard let seconds, seconds > 0 else { return 0 }
            return UInt64(min(seconds, 86_400) * 1000)
        }
        awskh_bus_set_timeouts(handle, milliseconds(call), milliseconds(dialog))
    }

    /// What a search found: the first unlocked item, the first locked one, and how many matching items
    /// are locked.
    struct SearchResult {
        var unlockedItem: String?
        var lockedItem: String?
        var lockedCount: Int
    }

    /// One search for each set of attributes, all sent before any answer is awaited.
    func search(_ queries: [[String: String]]) throws(KeyringError) -> [SearchResult] {
        let sorted = queries.map { $0.sorted { $0.key < $1.key } }
        let flat = sorted.flatMap { $0.flatMap { [$0.key, $0.value] } }
        let pairCounts = sorted.map(\.count)
        var first = [UnsafeMutablePointer<CChar>?](repeating: nil, count: queries.count)
        var firstLocked = [UnsafeMutablePointer<CChar>?](repeating: nil, count: queries.count)
        var lockedCounts = [Int](repeating: 0, count: queries.count)
        var error = awskh_bus_error()
        let kind = withCStrings(flat) { pairs in
            awskh_bus_search_all(
                handle, pairs, pairCounts, queries.count, &first, &firstLocked, &lockedCounts, &error)
        }
        try Self.checkKind(kind, error)
        defer {
            first.forEach { awskh_bus_free_string($0) }
            firstLocked.forEach { awskh_bus_free_string($0) }
        }
        return queries.indices.map { index in
            SearchResult(
                unlockedItem: first[index].map { String(cString: $0) },
                lockedItem: firstLocked[index].map { String(cString: $0) }, lockedCount: lockedCounts[index])
        }
    }

    /// The secrets of `items`, read in one call; nil for an item the service did not return.
    func secrets(of items: [String]) throws(KeyringError) -> [String?] {
        guard !items.isEmpty else { return [] }
        var secrets = [UnsafeMutablePointer<UInt8>?](repeating: nil, count: items.count)
        var lengths = [Int](repeating: 0, count: items.count)
        var error = awskh_bus_error()
        let kind = withCStrings(items) { paths in
            awskh_bus_get_secrets(handle, paths, items.count, &secrets, &lengths, &error)
        }
        try Self.checkKind(kind, error)
        defer {
            for (secret, length) in zip(secrets, lengths) { awskh_bus_free_secret(secret, length) }
        }
        return zip(secrets, lengths).map { secret, length in
            secret.map { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) }
        }
    }

    /// The collection behind the `default` alias and whether it is locked; nil when there is none.
    func defaultCollection() throws(KeyringError) -> (path: String, locked: Bool)? {
        var path: UnsafeMutablePointer<CChar>?
        var locked: Int32 = 0
        var error = awskh_bus_error()
        let kind = awskh_bus_default_collection(handle, &path, &locked, &error)
        defer { awskh_bus_free_string(path) }
        try Self.checkKind(kind, error)
        return path.map { (String(cString: $0), locked != 0) }
    }

    func lock(collection: String) throws(KeyringError) {
        var error = awskh_bus_error()
        try Self.checkKind(awskh_bus_lock(handle, collection, &error), error)
    }

    func unlockWithPrompt(collection: String) throws(KeyringError) {
        var error = awskh_bus_error()
        try Self.checkKind(awskh_bus_unlock_with_prompt(handle, collection, &error), error)
    }

    /// Item.Delete of one item.
    func deleteItem(_ item: String) throws(KeyringError) {
        var error = awskh_bus_error()
        try Self.checkKind(awskh_bus_delete_item(handle, item, &error), error)
    }

    /// Service.Unlock of items, through the provider's prompt (KeePassXC's access confirmation).
    func unlockItems(_ items: [String]) throws(KeyringError) {
        var error = awskh_bus_error()
        let kind = withCStrings(items) { paths in awskh_bus_unlock_items(handle, paths, items.count, &error) }
        try Self.checkKind(kind, error)
    }

    /// gnome-keyring's own unlock, which needs no display. Throws `.unsupported` for other providers.
    func unlock(collection: String, password: [UInt8]) throws(KeyringError) {
        var error = awskh_bus_error()
        let kind = password.withUnsafeBufferPointer { bytes in
            awskh_bus_unlock_with_password(handle, collection, bytes.baseAddress, bytes.count, &error)
        }
        try Self.checkKind(kind, error)
    }

    /// Creates a collection protected by `password` (gnome-keyring only) and returns its path.
    func createCollection(label: String, password: [UInt8]) throws(KeyringError) -> String {
        var path: UnsafeMutablePointer<CChar>?
        var error = awskh_bus_error()
        let kind = password.withUnsafeBufferPointer { bytes in
            awskh_bus_create_with_password(handle, label, bytes.baseAddress, bytes.count, &path, &error)
        }
        defer { awskh_bus_free_string(path) }
        try Self.checkKind(kind, error)
        guard let path else {
            throw .failed(domain: "Secret Service", code: 0, message: "no collection was created")
        }
        return String(cString: path)
    }

    func setDefaultAlias(collection: String) throws(KeyringError) {
        var error = awskh_bus_error()
        try Self.checkKind(awskh_bus_set_default_alias(handle, collection, &error), error)
    }

    static func checkKind(_ kind: Int32, _ error: awskh_bus_error) throws(KeyringError) {
        guard kind != Int32(AWSKH_BUS_OK) else { return }
        throw KeyringError(busError: error)
    }
}

/// Calls `body` with a C array of the strings, valid for the call only.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { buffer in
        // An empty array still needs a valid base address.
        guard let base = buffer.baseAddress else {
            var none: UnsafePointer<CChar>? = nil
            return body(&none)
        }
        return body(base)
    }
}

extension KeyringError {
    init(busError error: awskh_bus_error) {
        let name = withUnsafeBytes(of: error.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let message = withUnsafeBytes(of: error.message) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch Int(error.kind) {
        case Int(AWSKH_BUS_NO_BUS), Int(AWSKH_BUS_UNAVAILABLE):
            self = .noSessionBus(detail: message)
        case Int(AWSKH_BUS_NO_SERVICE):
            self = .serviceUnavailable(detail: message)
        case Int(AWSKH_BUS_DENIED):
            self = .wrongPassword
        case Int(AWSKH_BUS_UNSUPPORTED):
            self = .unsupported(detail: message)
        case Int(AWSKH_BUS_DISMISSED):
            self = .promptDismissed(detail: message)
        case Int(AWSKH_BUS_LOCKED):
            self = .locked(detail: message)
        case Int(AWSKH_BUS_VANISHED):
            self = .itemVanished(detail: message)
        case Int(AWSKH_BUS_TIMEOUT):
            self = .noAnswer(detail: message)
        case Int(AWSKH_BUS_BAD_REPLY):
            self = .badReply(detail: message)
        default:
            self = .failed(domain: name.isEmpty ? "D-Bus" : name, code: Int(error.kind), message: message)
        }
    }
}

extension SecretServiceBus {
    /// Whether the service is gnome-keyring, which can be unlocked and create keyrings with a password
    /// typed here instead of its own graphical prompt.
    func hasPasswordInterface() throws(KeyringError) -> Bool {
        var present: Int32 = 0
        var error = awskh_bus_error()
        try Self.checkKind(awskh_bus_has_password_interface(handle, &present, &error), error)
        return present != 0
    }
}
