import Keyring

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
