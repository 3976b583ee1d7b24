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
    /// The Secret Service did not answer within the time allowed: it may be waiting for a person at its
    /// own dialog, or be stuck.
    case noAnswer(detail: String)
    /// The Secret Service answered with something no Secret Service sends (a reply of the wrong type).
    case badReply(detail: String)
    /// The provider shows the items as locked in an unlocked keyring until a person allows this program
    /// in its dialog (KeePassXC's access confirmation), and that did not happen.
    case accessNotConfirmed(detail: String)
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
        case .noAnswer(let detail):
            return """
                \(detail). It may be showing a dialog that nobody answered (KeePassXC asks to unlock its \
                database before a search), or be stuck: answer its dialog or restart the program that \
                provides the keyring ('awskeyring-helper doctor' names it), then try again
                """
        case .badReply(let detail):
            return """
                \(detail): the program that provides the keyring on this session bus does not behave like \
                a Secret Service ('awskeyring-helper doctor' names it); nothing was read or changed
                """
        case .accessNotConfirmed(let detail):
            return """
                the keyring is unlocked, but its provider shows this program's items as locked until a \
                person allows access in its dialog (\(detail)). Allow it there, or turn the confirmation \
                off: in KeePassXC, Settings > Secret Service Integration, untick 'Confirm when passwords \
                are retrieved by clients' (ConfirmAccessItem=false in keepassxc.ini)
                """
        case .failed(let domain, let code, let message):
            return "the keyring failed: \(message) (\(domain) \(code))"
        }
    }
}
