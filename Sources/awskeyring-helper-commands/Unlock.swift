import ArgumentParser
import HelperCommands

extension AwskeyringHelper {
    struct Unlock: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unlock",
            abstract: "Unlock the default keyring (or create one), asking for its password on the terminal.",
            discussion: """
                Works without a display (SSH, servers, WSL), also with a gnome-keyring that D-Bus started by \
                itself. The password is not shown while typed. With no keyring yet, asks for a new password \
                twice and creates the default keyring. Other Secret Service providers (KeePassXC, KWallet) \
                show their own prompt.
                """
        )

        func run() throws {
            try reportingFailure {
                let context = CommandContext.live()
                try context.keyringLock(terminal: context.openTerminal()).unlock()
            }
        }
    }

    struct Lock: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lock",
            abstract: "Lock the default keyring; cached credentials are refused until 'unlock'.",
            discussion: "Also drops the opt-in kernel cache tier's copies (AWSKEYRING_HELPER_KERNEL_CACHE)."
        )

        func run() throws {
            try reportingFailure {
                try CommandContext.live().keyringLock(terminal: nil).lock()
            }
        }
    }
}
