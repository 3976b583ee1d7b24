// libFuzzer entry for the STS response reader and the XML reader under it, linked with the AWSXML target
// and the targets it depends on by scripts/fuzz.sh (this file is not part of the Swift package).
//
// The input is a response body. Besides not crashing, the readers must keep these promises: a document
// is not accepted once its last markup byte is cut off; credentials and identities read from a body are
// non-empty and trimmed; an error document is never read as credentials; and an error message never
// quotes the body (which may hold a secret).

@testable import AWSXML
@testable import TextFormats

#if canImport(Glibc)
    import Glibc
#endif

private let credentialActions = ["AssumeRole", "GetSessionToken", "AssumeRoleWithWebIdentity"]

/// The phrases and names an STSResponseError is made of (longest first), XMLReadError's among them.
private let vocabulary: [String] = {
    var words = credentialActions.flatMap { [$0, "\($0)Response", "\($0)Result"] }
    words += [
        "unreadable STS response: ", "not a well-formed XML document (", "an error document where a ",
        "Response was expected", " was expected", "the document is not a ", " appears more than once", " has no ",
        "Credentials/Expiration is not an ISO 8601 timestamp", " is not a simple value", " is empty",
        "GetCallerIdentity", "GetCallerIdentityResponse", "GetCallerIdentityResult", "Credentials", "AccessKeyId",
        "SecretAccessKey", "SessionToken", "Expiration", "AssumedRoleUser", "Arn", "Account", "UserId",
        "the document is empty", "the document is larger than", "the document is not valid UTF-8",
        "a character XML does not allow", "the document ends before it is complete", "malformed markup",
        "an end tag does not match its start tag", "elements nested deeper than",
        "an unknown or invalid entity or character reference", "a document type declaration (not supported)",
        "content after the root element", "no root element", " at byte ", " bytes",
    ]
    return words.sorted { $0.utf8.count > $1.utf8.count }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSTSResponse(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))

    if (try? XMLReader.parse(body)) != nil, let last = body.last, !isXMLWhitespace(last) {
        check((try? XMLReader.parse(Array(body.dropLast()))) == nil, "a document minus its last byte was accepted")
    }

    var accepted: [String] = []
    for action in credentialActions {
        do {
            let result = try STSResponse.credentials(from: body, action: action)
            accepted.append(action)
            let credentials = result.credentials
            for value in [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? ""] {
                check(isTrimmedNonEmpty(value), "\(action): a credential is empty or untrimmed")
            }
            check(credentials.expiration != nil, "\(action): credentials without an expiration")
            if let arn = result.assumedRoleArn { check(isTrimmedNonEmpty(arn), "\(action): an empty role ARN") }
        } catch {
            checkQuotesNothing(error.description, from: body)
        }
    }
    check(accepted.count <= 1, "one body read as credentials of \(accepted)")

    do {
        let identity = try STSResponse.callerIdentity(from: body)
        check(accepted.isEmpty, "one body read as both credentials and an identity")
        for value in [identity.account, identity.arn, identity.userId] {
            check(isTrimmedNonEmpty(value), "an identity member is empty or untrimmed")
        }
    } catch {
        checkQuotesNothing(error.description, from: body)
    }

    if let serviceError = STSResponse.serviceError(from: body) {
        check(accepted.isEmpty, "an error document read as credentials")
        check(isTrimmedNonEmpty(serviceError.code), "an empty or untrimmed error code")
        check(ASCIIText.trimmed(serviceError.message) == serviceError.message, "an untrimmed error message")
        if let type = serviceError.type { check(isTrimmedNonEmpty(type), "an empty error type") }
    }
    return 0
}

private func isXMLWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

private func isTrimmedNonEmpty(_ text: String) -> Bool { !text.isEmpty && ASCIIText.trimmed(text) == text }

/// What is left of the message once the vocabulary is taken out (numbers, brackets) never holds eight
/// bytes that occur in the body.
private func checkQuotesNothing(_ message: String, from body: [UInt8]) {
    var rest = message
    for word in vocabulary { rest = rest.replacing(word, with: "\u{0}") }
    for fragment in rest.split(separator: "\u{0}") where fragment.utf8.count >= 8 {
        check(!contains(body, Array(fragment.utf8)[...]), "an error message quotes the body: \(message)")
    }
}

private func contains(_ haystack: [UInt8], _ needle: ArraySlice<UInt8>) -> Bool {
    guard haystack.count >= needle.count, let first = needle.first else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start] == first {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
    }
    return false
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    fputs("invariant violated: \(message())\n", stderr)
    abort()
}
