internal import CSecretBus

#if canImport(Glibc)
    import Glibc
#endif

/// Which program answers as the Secret Service on the session bus (the owner of
/// org.freedesktop.secrets), for `doctor`: gnome-keyring, KeePassXC, KWallet or another one.
package struct SecretServiceProvider: Equatable, Sendable {
    /// gnome-keyring, KeePassXC, KWallet, or the program's file name.
    package var name: String
    package var executable: String
    package var processID: Int
    /// The Debian package that installs it, for a known provider.
    package var debianPackage: String?
    /// That package's version, when known (`doctor` asks dpkg-query).
    package var version: String?
    /// Whether it opens the encrypted session libsecret asks for (nil: not known); when not, its answer.
    package var encryptedSessions: Bool?
    package var encryptedSessionRefusal: String

    /// The provider on the session bus, or the error met while asking; nil without libsystemd. The bus
    /// daemon names it; `probeSessions` also asks the provider itself (skip it for one that does not
    /// answer).
    package static func identify(probeSessions: Bool) -> Result<SecretServiceProvider, KeyringError>? {
        do throws(KeyringError) {
            guard let bus = try SecretServiceBus.connect() else { return nil }
            return .success(try bus.provider(probeSessions: probeSessions))
        } catch {
            return .failure(error)
        }
    }

    /// The program names of the known providers, with their display names and Debian packages.
    static let known: [String: (name: String, package: String)] = [
        "gnome-keyring-daemon": ("gnome-keyring", "gnome-keyring"),
        "keepassxc": ("KeePassXC", "keepassxc"),
        "keepassxc-proxy": ("KeePassXC", "keepassxc"),
        "kwalletd5": ("KWallet", "libkf5wallet-bin"),
        "kwalletd6": ("KWallet", "kwalletd6"),
        "ksecretd": ("KWallet", "kwalletd6"),
    ]

}

extension SecretServiceBus {
    func provider(probeSessions: Bool) throws(KeyringError) -> SecretServiceProvider {
        var pid: UInt32 = 0
        var error = awskh_bus_error()
        try Self.checkKind(awskh_bus_service_pid(handle, &pid, &error), error)
        let executable = Self.readLink("/proc/\(pid)/exe") ?? "unknown"
        let program = executable.split(separator: "/").last.map(String.init) ?? executable
        let known = SecretServiceProvider.known[program]
        var supported: Int32 = 0
        var refusal = awskh_bus_error()
        let kind = probeSessions ? awskh_bus_probe_encrypted_session(handle, &supported, &refusal) : -1
        let message = withUnsafeBytes(of: refusal.message) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        return SecretServiceProvider(
            name: known?.name ?? program, executable: executable, processID: Int(pid),
            debianPackage: known?.package, version: nil,
            encryptedSessions: kind == Int32(AWSKH_BUS_OK) ? supported != 0 : nil,
            encryptedSessionRefusal: message)
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
