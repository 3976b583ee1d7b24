internal import CSecretLoader

#if canImport(Glibc)
    import Glibc
#endif

/// Loads libsecret on first use; throws when it cannot be loaded.
func loadLibSecret() throws(KeyringError) {
    var reason = [CChar](repeating: 0, count: 256)
    guard awskh_secret_load(&reason, reason.count) == 1 else {
        let detail = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw .failed(
            domain: "libsecret", code: 0,
            message: "cannot load libsecret (install the libsecret-1-0 package): \(detail)")
    }
}

/// Runs one libsecret/GLib call that reports failure through a `GError**`, and turns a set error into a
/// typed `KeyringError`. The error is checked before the return value, as GLib requires, and freed here
/// and nowhere else.
func glibCall<T>(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<GError>?>) -> T) throws(KeyringError) -> T
{
    var error: UnsafeMutablePointer<GError>?
    let result = body(&error)
    if let error {
        defer { awskh_g_error_free(error) }
        throw KeyringError(gError: error.pointee)
    }
    return result
}

extension KeyringError {
    init(gError: GError) {
        let message = gError.message.map { String(cString: $0) } ?? "unknown error"
        let domain = awskh_g_quark_to_string(gError.domain).map { String(cString: $0) } ?? "unknown"
        let code = Int(gError.code)
        if gError.domain == awskh_secret_error_get_quark() && code == Int(SECRET_ERROR_IS_LOCKED.rawValue) {
            self = .locked(detail: message)
        } else if gError.domain == awskh_g_dbus_error_quark()
            && (code == Int(G_DBUS_ERROR_SERVICE_UNKNOWN.rawValue)
                || code == Int(G_DBUS_ERROR_NAME_HAS_NO_OWNER.rawValue))
        {
            self = .serviceUnavailable(detail: message)
        } else if gError.domain == awskh_g_dbus_error_quark()
            && (code == Int(G_DBUS_ERROR_UNKNOWN_METHOD.rawValue)
                || code == Int(G_DBUS_ERROR_UNKNOWN_OBJECT.rawValue))
            && Self.mentions(message, "No such secret item")
        {
            // gnome-keyring's answer for an item deleted since the search that found it.
            self = .itemVanished(detail: message)
        } else if Self.mentions(message, "createDLGroup") || Self.mentions(message, "libqca") {
            // KWallet without its crypto plugin cannot open the encrypted session libsecret asks for.
            self = .unsupported(
                detail: """
                    KWallet cannot open an encrypted session (\(message)): install the package \
                    libqca-qt5-2-plugins (sudo apt install libqca-qt5-2-plugins), then restart kwalletd5
                    """)
        } else if gError.domain == awskh_g_io_error_quark() && code == Self.gioTimedOut {
            // GDBus gives each of libsecret's calls 25 seconds.
            self = .noAnswer(
                detail: "the Secret Service did not answer libsecret's call within 25 seconds (\(message))")
        } else if gError.domain == awskh_g_io_error_quark() && Self.looksLikeNoBus(message) {
            self = .noSessionBus(detail: message)
        } else if gError.domain == awskh_g_dbus_error_quark()
            && (code == Int(G_DBUS_ERROR_NO_SERVER.rawValue)
                || code == Int(G_DBUS_ERROR_SPAWN_EXEC_FAILED.rawValue)
                || code == Int(G_DBUS_ERROR_FILE_NOT_FOUND.rawValue))
        {
            self = .noSessionBus(detail: message)
        } else {
            self = .failed(domain: domain, code: code, message: message)
        }
    }

    /// G_IO_ERROR_TIMED_OUT, GIO's (stable) code for a call that got no reply in time.
    private static let gioTimedOut = 24

    /// strstr, not String.contains: the standard library's substring search comes with the regex engine
    /// (_StringProcessing), which would be linked into every program for these few words.
    private static func mentions(_ message: String, _ words: String) -> Bool {
        strstr(message, words) != nil
    }

    /// GIO reports a missing bus as a generic I/O error; its messages are the only distinguishing mark.
    private static func looksLikeNoBus(_ message: String) -> Bool {
        let markers = ["D-Bus", "DBUS_SESSION_BUS_ADDRESS", "Could not connect", "autolaunch", "session bus"]
        return markers.contains { mentions(message, $0) }
    }
}
