/// Why the keyring could not be used. Each case says what a person can do about it, in a way that works
/// without a display (over SSH, on a server, in WSL).
package enum KeyringError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There is no D-Bus session bus to reach the Secret Service through.
    case noSessionBus(detail: String)
    /// The session bus is there but nothing on it provides the Secret Service.
    case serviceUnavailable(detail: String)
    /// The Secret Service has no default collection (no login keyring yet).
    case noDefaultCollection
    /// The collection (keyring) is locked.
    case locked(detail: String)
    /// The keyring refused the password given to unlock it.
    case wrongPassword
    /// The Secret Service provider does not offer what was asked (for example gnome-keyring's own
    /// unlock interface on KeePassXC).
    case unsupported(detail: String)
    /// The provider's own unlock prompt was dismissed or not answered.
    case promptDismissed(detail: String)
    /// An item went away (another process deleted it) while it was being read; the call is made again
    /// a few times before this is reported.
    case itemVanished(detail: String)
    /// Any other failure reported by the Secret Service or libsecret.
    case failed(domain: String, code: Int, message: String)

    package var description: String {
        switch self {
        case .noSessionBus(let detail):
            return """
                cannot reach a D-Bus session bus (\(detail)). The keyring is reached through D-Bus: run \
                inside a desktop or 'dbus-run-session -- $SHELL' session (packages dbus-user-session or dbus), \
                then 'awskeyring-helper unlock'
                """
        case .serviceUnavailable(let detail):
            return """
                no Secret Service on the D-Bus session bus (\(detail)). Install gnome-keyring (or enable \
                KeePassXC's Secret Service integration), then run 'awskeyring-helper unlock'
                """
        case .noDefaultCollection:
            return """
                the Secret Service has no default keyring yet; create one with 'awskeyring-helper unlock' \
                (it asks for a new keyring password)
                """
        case .locked:
            return "the keyring is locked; unlock it with 'awskeyring-helper unlock'"
        case .wrongPassword:
            return
                "the keyring did not accept that password; nothing was unlocked. Try again with 'awskeyring-helper unlock'"
        case .unsupported(let detail):
            return "the Secret Service cannot do this here: \(detail)"
        case .promptDismissed(let detail):
            return "the keyring stays locked: \(detail). Run 'awskeyring-helper unlock' again to retry"
        case .itemVanished(let detail):
            // The lasting cause of this: two keyring daemons on the same files.
            if let diagnosis = KeyringDaemons.duplicateDiagnosis(
                environment: KeyringDaemons.processEnvironment())
            {
                return
                    "the keyring kept changing while it was read (\(detail)): \(diagnosis.cause); \(diagnosis.fix)"
            }
            return "the keyring kept changing while it was read (\(detail)); try again"
        case .failed(let domain, let code, let message):
            return "the keyring failed: \(message) (\(domain) \(code))"
        }
    }
}
