import TextFormats

/// An IAM user's access key pair: what `store` keeps in the keyring.
package struct LongLivedKeys: Sendable, Equatable {
    package var accessKeyId: String
    package var secretAccessKey: String

    /// Checks the shapes AWS issues, so a typo or a swapped paste is caught when storing rather than
    /// as a signature error later. Messages describe the input without repeating it: a secret pasted
    /// into the wrong field must not end up on the screen.
    package init(accessKeyId: String, secretAccessKey: String) throws(KeyFormatError) {
        let id = accessKeyId.trimmingWhitespace()
        let secret = secretAccessKey.trimmingWhitespace()
        if let problem = Self.accessKeyIdProblem(id) {
            throw .accessKeyId(problem: problem)
        }
        if let problem = Self.secretProblem(secret) {
            throw .secretAccessKey(problem: problem)
        }
        self.accessKeyId = id
        self.secretAccessKey = secret
    }

    /// The Access Key ID as typed at the prompt, before the secret is asked for. Text shaped like a
    /// secret access key (40 characters with lower-case letters, '/' or '+', which no key id has) was
    /// shown on the screen while typed: refused, with a warning, and never repeated.
    package static func checkTypedAccessKeyId(_ id: String) throws(KeyFormatError) {
        if looksLikeSecret(id) {
            throw .secretTypedAsAccessKeyId
        }
        if id.unicodeScalars.contains(where: { $0 == "," || $0 == "\t" || $0 == " " || $0 == ";" }) {
            throw .pairTypedAsAccessKeyId
        }
        if let problem = accessKeyIdProblem(id) {
            throw .typedAccessKeyId(problem: problem)
        }
    }

    /// 40 printable characters with something no access key id holds (a lower-case letter, '/', '+').
    static func looksLikeSecret(_ text: String) -> Bool {
        let scalars = text.unicodeScalars
        guard scalars.count == 40, scalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return false
        }
        return scalars.contains { ("a"..."z").contains($0) || $0 == "/" || $0 == "+" }
    }

    static func accessKeyIdProblem(_ id: String) -> String? {
        if id.isEmpty { return "is empty" }
        let count = id.unicodeScalars.count
        if count < 16 || count > 128 { return "has \(count) characters, not 16 to 128" }
        let allowed = id.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        if !allowed { return "may hold only upper-case letters and digits" }
        return nil
    }

    static func secretProblem(_ secret: String) -> String? {
        if secret.isEmpty { return "is empty" }
        let count = secret.unicodeScalars.count
        if count != 40 { return "has \(count) characters, not 40" }
        let printable = secret.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
        if !printable { return "holds spaces, control or non-ASCII characters" }
        return nil
    }
}
