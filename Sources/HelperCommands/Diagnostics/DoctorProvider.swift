import Keyring
import ProcessControl
import SystemAccess
import TextFormats

/// `doctor`'s line about which program provides the Secret Service, and what that provider needs.
extension DoctorChecks {
    func providerFindings() -> [DoctorFinding] {
        guard let provider else { return [] }
        switch provider {
        case .failure(let error):
            return [
                DoctorFinding(
                    ok: false, subject: "Secret Service provider",
                    detail: "cannot tell which program it is: \(error)")
            ]
        case .success(let provider):
            let version = provider.version.map { " \($0)" } ?? ""
            let detail = "\(provider.name)\(version) (\(provider.executable), pid \(provider.processID))"
            var findings = [DoctorFinding(ok: true, subject: "Secret Service provider", detail: detail)]
            if provider.encryptedSessions == false {
                let kwallet = provider.name == "KWallet"
                findings.append(
                    DoctorFinding(
                        ok: false, subject: "\(provider.name) encrypted sessions",
                        detail: """
                            refused (\(provider.encryptedSessionRefusal)): libsecret, which writes the keys, \
                            needs them
                            """,
                        fix: kwallet
                            ? "install the package libqca-qt5-2-plugins (its qca-ossl plugin), then restart kwalletd5"
                            : "update or reconfigure \(provider.name); it must offer dh-ietf1024-sha256-aes128-cbc-pkcs7"
                    ))
            }
            return findings
        }
    }
}

extension DoctorChecks {
    /// The installed version of a Debian package, as dpkg-query reports it (the supported way to ask
    /// dpkg's database); nil where dpkg-query is missing, the package is not installed, or it takes longer
    /// than a few seconds.
    static func debianVersion(of package: String, environment: [String: String], clock: any TimeSource)
        -> String?
    {
        let output = try? ShellCommand.run(
            ["dpkg-query", "--show", "--showformat=${Version}", package], environment: environment,
            timeout: 5,
            clock: clock
        ) { ShellCommandError(command: "dpkg-query", reason: $0) }
        let version = output.map { ASCIIText.trimmed(String(decoding: $0, as: UTF8.self)) } ?? ""
        return version.isEmpty ? nil : version
    }
}
