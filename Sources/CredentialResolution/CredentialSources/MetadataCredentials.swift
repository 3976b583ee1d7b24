import CredentialValues
import TextFormats

/// The credential document IMDS and the container endpoint answer with:
/// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", ...}`.
enum MetadataCredentials {
    /// The document's members, named as the document spells them.
    private struct Document: Decodable {
        var accessKeyId: String?
        var secretAccessKey: String?
        var token: String?
        var expiration: String?

        enum CodingKeys: String, CodingKey {
            case accessKeyId = "AccessKeyId", secretAccessKey = "SecretAccessKey", token = "Token"
            case expiration = "Expiration"
        }
    }

    enum Problem: Error, Equatable {
        case notJSON
        case missing(String)
        case badExpiration
    }

    /// The credentials in `body`. Problems never quote the body: it holds a secret.
    static func parse(_ body: [UInt8], json: any JSONDecoding) throws(Problem) -> AWSCredentials {
        guard let document = try? json.decode(Document.self, from: body) else {
            throw .notJSON
        }
        guard let id = document.accessKeyId, !id.isEmpty else { throw .missing("AccessKeyId") }
        guard let secret = document.secretAccessKey, !secret.isEmpty else {
            throw .missing("SecretAccessKey")
        }
        guard let token = document.token, !token.isEmpty else { throw .missing("Token") }
        guard let text = document.expiration else { throw .missing("Expiration") }
        guard let expiration = Timestamp.parse(text) else { throw .badExpiration }
        return AWSCredentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }

    static func describe(_ problem: Problem) -> String {
        switch problem {
        case .notJSON: return "an answer that is not a JSON credential document"
        case .missing(let member): return "a credential document without \(member)"
        case .badExpiration: return "a credential document whose Expiration is not an ISO 8601 time"
        }
    }
}

extension String {
    /// The string without leading and trailing slashes.
    func trimmingSlashes() -> Substring {
        var text = self[...]
        while text.hasPrefix("/") { text = text.dropFirst() }
        while text.hasSuffix("/") { text = text.dropLast() }
        return text
    }
}
