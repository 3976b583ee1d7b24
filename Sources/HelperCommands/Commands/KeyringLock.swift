import CredentialResolution
import Keyring
import KeyringItems
import TerminalAccess

/// `unlock` and `lock`: the default Secret Service collection's lock, from a terminal, with no display.
///
/// gnome-keyring (also when D-Bus started it by itself, as on a headless or SSH machine) takes the
/// password typed here; other providers (KeePassXC, KWallet) unlock through their own prompt. Where no
/// default collection exists yet, `unlock` creates one protected by a new password.
package struct KeyringLock {
    package var service: SecretServiceKeyring
    /// The controlling terminal, or nil when there is none.
    package var terminal: (any Terminal)?
    /// Where progress notes go (stderr).
    package var diagnostics: (String) -> Void
    /// How many times a wrong or mistyped password may be typed again.
    static let tries = 3

    package init(
        service: SecretServiceKeyring, terminal: (any Terminal)?, diagnostics: @escaping (String) -> Void
    ) {
        self.service = service
        self.terminal = terminal
        self.diagnostics = diagnostics
    }

    /// - Throws: `KeyringError`, `KeyStorageError` or `TerminalError`.
    package func unlock() throws {
        switch try keyring({ () throws(KeyringError) in try service.defaultCollectionState() }) {
        case .unlocked:
            diagnostics("The keyring is already unlocked.")
        case .locked:
            guard try keyring({ () throws(KeyringError) in try service.acceptsPasswords() }) else {
                diagnostics("Unlocking the keyring through the Secret Service's own prompt...")
                try keyring { () throws(KeyringError) in try service.unlockDefaultCollectionWithPrompt() }
                diagnostics("Unlocked the keyring.")
                return
            }
            try unlockWithPassword()
        case .missing:
            guard try keyring({ () throws(KeyringError) in try service.acceptsPasswords() }) else {
                throw KeyStorageError.noDefaultCollection
            }
            try createWithPassword()
        }
    }

    private func keyring<T>(_ body: () throws(KeyringError) -> T) throws(KeyringError) -> T {
        try body()
    }

    /// Locks the default collection and drops the kernel tier's copies of cached answers.
    package func lock() throws(KeyringError) {
        KernelCacheTier.remove(profile: nil)
        if try service.lockDefaultCollection() {
            diagnostics("Locked the keyring; 'awskeyring-helper unlock' unlocks it.")
        } else {
            diagnostics("The keyring was already locked.")
        }
    }

    private func requireTerminal() throws(KeyStorageError) -> any Terminal {
        guard let terminal else {
            throw .noTerminalForPassword
        }
        return terminal
    }

    private func unlockWithPassword() throws {
        let terminal = try requireTerminal()
        for attempt in 1...Self.tries {
            var password = Array(try terminal.readLine(prompt: "Keyring password: ", echo: false).utf8)
            defer {
                password.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
            }
            do {
                try service.unlockDefaultCollection(password: password)
                diagnostics("Unlocked the keyring.")
                return
            } catch .wrongPassword where attempt < Self.tries {
                terminal.write("That is not the keyring's password; try again.\n")
            } catch {
                throw error
            }
        }
    }

    private func createWithPassword() throws {
        let terminal = try requireTerminal()
        terminal.write(
            "There is no keyring yet; creating one. Choose its password (it protects your AWS keys).\n")
        for attempt in 1...Self.tries {
            var password = Array(try terminal.readLine(prompt: "New keyring password: ", echo: false).utf8)
            var repeated = Array(try terminal.readLine(prompt: "Repeat the password: ", echo: false).utf8)
            defer {
                password.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
                repeated.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
            }
            let problem: KeyStorageError.PasswordProblem
            if password.isEmpty {
                problem = .empty
            } else if password != repeated {
                problem = .different
            } else {
                try service.createDefaultCollection(label: "Login", password: password)
                diagnostics("Created the keyring and unlocked it; it is now the default keyring.")
                return
            }
            guard attempt < Self.tries else { throw KeyStorageError.notCreated(problem: problem) }
            terminal.write("\(problem.text) Try again.\n")
        }
    }
}
