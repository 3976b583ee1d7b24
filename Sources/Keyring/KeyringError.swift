/// Why the keyring could not be used. Each case says what a person can do about it.
public enum KeyringError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There is no D-Bus session bus to reach the Secret Service through.
    case noSessionBus(detail: String)
    /// The session bus is there but nothing on it provides the Secret Service.
    case serviceUnavailable(detail: String)
    /// The collection (keyring) is locked and could not be unlocked without a graphical prompt.
    case locked(detail: String)
    /// Any other failure reported by the Secret Service or libsecret.
    case failed(domain: String, code: Int, message: String)

    public var description: String {
        switch self {
        case .noSessionBus(let detail):
            return """
                cannot reach a D-Bus session bus (\(detail)). The keyring is reached through D-Bus: run \
                inside a desktop session, or start one with 'dbus-run-session -- $SHELL' and unlock a keyring \
                with 'gnome-keyring-daemon --unlock --components=secrets'
                """
        case .serviceUnavailable(let detail):
            return """
                no Secret Service on the D-Bus session bus (\(detail)). Start one, for example with \
                'gnome-keyring-daemon --start --components=secrets' (package gnome-keyring) or KeePassXC's \
                Secret Service integration
                """
        case .locked(let detail):
            return """
                the keyring is locked (\(detail)). Unlock it (log in to the desktop, open Seahorse, or run \
                'gnome-keyring-daemon --unlock --replace --components=secrets' and type its password)
                """
        case .failed(let domain, let code, let message):
            return "the keyring failed: \(message) (\(domain) \(code))"
        }
    }
}
