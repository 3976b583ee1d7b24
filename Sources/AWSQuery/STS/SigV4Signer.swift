import CredentialValues
import TextFormats

/// An HTTP request as it will be sent, reduced to what AWS Signature Version 4 covers.
package struct SigningRequest: Sendable, Equatable {
    /// The HTTP method, e.g. `POST`.
    package var method: String
    /// The path as sent (already percent-encoded), e.g. `/`.
    package var path: String
    /// The raw query string as sent, without the `?`; empty when there is none.
    package var query: String
    /// The headers as sent; must include `host`. Names in any case; a name may repeat.
    package var headers: [SigningHeader]
    package var body: [UInt8]

    package init(
        method: String, path: String, query: String = "", headers: [SigningHeader], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

package struct SigningHeader: Sendable, Equatable {
    package var name: String
    package var value: String

    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for requests signed in the `Authorization` header, as
/// botocore's `SigV4Auth` does it for query-protocol services such as STS:
///
/// - every header of the request is signed except the hop-by-hop and agent headers botocore leaves out
///   (`connection`, `expect`, `keep-alive`, `proxy-authenticate`, `proxy-authorization`, `te`, `trailer`,
///   `transfer-encoding`, `upgrade`, `user-agent`, `x-amzn-trace-id`) and `authorization`;
/// - `X-Amz-Date` is always added (replacing any the request carries) and signed;
/// - with a session token, `X-Amz-Security-Token` is added (replacing any the request carries) and signed,
///   which is what STS expects (the test suite's "post-sts-header-before" form);
/// - the path is normalised (dot segments and repeated slashes removed) and URI-encoded once more, as for
///   every service but S3; the query is decoded and re-encoded the AWS way, then sorted;
/// - the payload hash is the hex SHA-256 of the body, unless the request carries `X-Amz-Content-SHA256`.
///
/// Callers should not pass `Content-Length` (botocore does not sign it) or `Date`.
package struct SigV4Signer: Sendable {
    package let credentials: AWSCredentials
    package let region: String
    package let service: String

    static let algorithm = "AWS4-HMAC-SHA256"

    /// Lower-case names of headers that are never signed (botocore's `SIGNED_HEADERS_BLACKLIST`), plus the
    /// signature itself.
    static let unsignedHeaders: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    package init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Headers to add to the request: X-Amz-Date, X-Amz-Security-Token (when the credentials have a
    /// session token), Authorization. `date` is seconds since the Unix epoch — passed in, never read
    /// from the clock, so the signer is deterministic. Any headers of the same names already on the
    /// request must be replaced by these.
    package func sign(_ request: SigningRequest, date: Int) throws(DigestUnavailable) -> [SigningHeader] {
        let amzDate = Self.amzDate(date)
        let canonical = canonicalRequest(request, amzDate: amzDate)
        let scope = credentialScope(amzDate: amzDate)
        let toSign = Self.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical.text)
        let key = try Self.signingKey(
            secretAccessKey: credentials.secretAccessKey, dateStamp: Self.dateStamp(amzDate), region: region,
            service: service)
        let signature = try Self.signature(signingKey: key, stringToSign: toSign)
        var added = [SigningHeader(name: "X-Amz-Date", value: amzDate)]
        if let token = credentials.sessionToken {
            added.append(SigningHeader(name: "X-Amz-Security-Token", value: token))
        }
        added.append(
            SigningHeader(
                name: "Authorization",
                value: "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope), "
                    + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"))
        return added
    }

    // MARK: - Stages

    struct CanonicalRequest: Equatable {
        var text: String
        var signedHeaders: String
    }

    /// `YYYYMMDD/region/service/aws4_request`.
    func credentialScope(amzDate: String) -> String {
        "\(Self.dateStamp(amzDate))/\(region)/\(service)/aws4_request"
    }

    /// The headers that get signed: the request's own (minus the unsigned ones and any it carries that the
    /// signer replaces), then X-Amz-Date and, with a session token, X-Amz-Security-Token.
    func headersToSign(_ request: SigningRequest, amzDate: String) -> [SigningHeader] {
        var replaced: Set<String> = ["x-amz-date"]
        if credentials.sessionToken != nil { replaced.insert("x-amz-security-token") }
        var headers = request.headers.filter { header in
            let name = ASCIIText.lowercased(ASCIIText.trimmed(header.name))
            return !Self.unsignedHeaders.contains(name) && !replaced.contains(name)
        }
        headers.append(SigningHeader(name: "X-Amz-Date", value: amzDate))
        if let token = credentials.sessionToken {
            headers.append(SigningHeader(name: "X-Amz-Security-Token", value: token))
        }
        return headers
    }

    func canonicalRequest(_ request: SigningRequest, amzDate: String) -> CanonicalRequest {
        let headers = headersToSign(request, amzDate: amzDate)
        let (block, signed) = Self.canonicalHeaders(headers)
        let payloadHash =
            headers.last { ASCIIText.lowercased(ASCIIText.trimmed($0.name)) == "x-amz-content-sha256" }?.value
            ?? Self.hexSHA256(request.body)
        let text = [
            ASCIIText.uppercased(request.method),
            Self.canonicalURI(request.path),
            Self.canonicalQuery(request.query),
            block,
            signed,
            payloadHash,
        ].joined(separator: "\n")
        return CanonicalRequest(text: text, signedHeaders: signed)
    }

    /// Canonical header lines (each ending in a newline) and the `;`-joined signed header names. Names are
    /// lower-cased and sorted; values trimmed with inner whitespace runs collapsed to one space; repeated
    /// names join their values with `,` in the order given.
    static func canonicalHeaders(_ headers: [SigningHeader]) -> (block: String, signedHeaders: String) {
        var values: [String: [String]] = [:]
        for header in headers {
            values[ASCIIText.lowercased(ASCIIText.trimmed(header.name)), default: []].append(
                collapsedWhitespace(header.value))
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var block = ""
        for name in names {
            block += "\(name):\((values[name] ?? []).joined(separator: ","))\n"
        }
        return (block, names.joined(separator: ";"))
    }

    /// The path with dot segments and empty segments removed (as botocore's `normalize_url_path`), then
    /// URI-encoded with `/` kept — so an already-encoded path is encoded a second time, as SigV4 asks for
    /// every service except S3.
    static func canonicalURI(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        var normalized = path.hasPrefix("/") ? "/" : ""
        normalized += segments.joined(separator: "/")
        if path.hasSuffix("/") && !segments.isEmpty { normalized += "/" }
        let encoded = uriEncode(Array(normalized.utf8), keepSlash: true)
        return encoded.isEmpty ? "/" : encoded
    }

    /// The query's `name=value` pairs, percent-decoded then URI-encoded the AWS way, sorted by name then
    /// value. A pair without `=` gets an empty value; empty pairs are dropped.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        var pairs: [(name: String, value: String)] = []
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let bytes = Array(pair)
            let name: ArraySlice<UInt8>
            let value: ArraySlice<UInt8>
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                name = bytes[..<equals]
                value = bytes[(equals + 1)...]
            } else {
                name = bytes[...]
                value = []
            }
            pairs.append(
                (
                    uriEncode(percentDecoded(name), keepSlash: false),
                    uriEncode(percentDecoded(value), keepSlash: false)
                ))
        }
        pairs.sort { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8) }
            return lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
        }
        return pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        [algorithm, amzDate, scope, hexSHA256(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    static func signingKey(secretAccessKey: String, dateStamp: String, region: String, service: String)
        throws(DigestUnavailable) -> [UInt8]
    {
        var key = Array("AWS4\(secretAccessKey)".utf8)
        for part in [dateStamp, region, service, "aws4_request"] {
            key = try Digest.hmacSHA256(key: key, message: Array(part.utf8))
        }
        return key
    }

    static func signature(signingKey: [UInt8], stringToSign: String) throws(DigestUnavailable) -> String {
        ASCIIText.hex(try Digest.hmacSHA256(key: signingKey, message: Array(stringToSign.utf8)))
    }

    // MARK: - Helpers

    /// `YYYYMMDDTHHMMSSZ` in UTC.
    static func amzDate(_ secondsSinceEpoch: Int) -> String {
        String(Timestamp.format(secondsSinceEpoch).filter { $0 != "-" && $0 != ":" })
    }

    static func dateStamp(_ amzDate: String) -> String { String(amzDate.prefix(8)) }

    static func hexSHA256(_ bytes: [UInt8]) -> String { ASCIIText.hex(Digest.sha256(bytes)) }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` when asked), with
    /// upper-case hex digits.
    static func uriEncode(_ bytes: [UInt8], keepSlash: Bool) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `%XX` escapes decoded; a `%` not followed by two hex digits is kept as it is. `+` stays a plus.
    static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    /// Leading and trailing whitespace removed, inner runs of whitespace turned into one space.
    static func collapsedWhitespace(_ text: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in text.utf8 {
            if ASCIIText.isWhitespace(byte) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
