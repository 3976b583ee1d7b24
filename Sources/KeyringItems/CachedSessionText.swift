import CredentialValues

/// The secret of a cached session, the same in both tiers: one line of six fields separated by single
/// spaces: `v2`, the key id, the secret, the token, the expiry in epoch seconds and the digest of the
/// keys it was made from, with `-` for a missing token or digest (no field can contain a space or be
/// `-`). A private format, decoded without Codable's run-time type machinery, which would cost a cached
/// call more than the rest of its work. Entries in other formats read as missing.
package enum CachedSessionText {
    package static func encode(_ session: CachedSession) -> String? {
        let credentials = session.credentials
        guard let expiration = credentials.expiration else { return nil }
        let fields = [
            "v2", credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? "-",
            String(expiration), session.sourceKey ?? "-",
        ]
        guard fields.allSatisfy({ !$0.isEmpty && !$0.utf8.contains(where: Self.isSeparator) }),
            credentials.accessKeyId != "-", credentials.secretAccessKey != "-"
        else { return nil }
        return fields.joined(separator: " ")
    }

    package static func decode(_ text: String) -> CachedSession? {
        let fields = text.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard fields.count == 6, fields[0] == "v2", !fields[1].isEmpty, fields[1] != "-", !fields[2].isEmpty,
            fields[2] != "-", let expiration = Int(fields[4])
        else { return nil }
        return CachedSession(
            credentials: AWSCredentials(
                accessKeyId: fields[1], secretAccessKey: fields[2],
                sessionToken: fields[3] == "-" ? nil : fields[3],
                expiration: expiration),
            sourceKey: fields[5] == "-" ? nil : fields[5])
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\t")
    }
}
