internal import CCurlShim

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP request as the STS client builds it.
package struct HTTPRequest: Sendable, Equatable {
    package var method: String
    package var url: String
    package var headers: [SigningHeader]
    package var body: [UInt8]

    package init(method: String, url: String, headers: [SigningHeader], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

package struct HTTPResponse: Sendable, Equatable {
    package var status: Int
    package var contentType: String?
    package var body: [UInt8]

    package init(status: Int, contentType: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// Why an exchange produced no HTTP response.
package struct HTTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        case connect, timeout, tls, dropped, tooLarge, unavailable, other
    }

    package var kind: Kind
    package var detail: String

    package init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// Failures a later attempt may not meet (botocore's standard retry mode retries these too).
    package var isTransient: Bool {
        [.connect, .timeout, .dropped].contains(kind)
    }

    package var description: String {
        switch kind {
        case .connect: return "could not connect: \(detail)"
        case .timeout: return "timed out: \(detail)"
        case .tls: return "TLS failed: \(detail) (for a private CA set ca_bundle or AWS_CA_BUNDLE)"
        case .dropped: return "the connection broke: \(detail)"
        case .tooLarge: return detail
        case .unavailable: return detail
        case .other: return detail
        }
    }
}

/// Limits, trust and route for one exchange.
package struct TransportOptions: Sendable, Equatable {
    /// A PEM file of trusted CAs (`ca_bundle`, `AWS_CA_BUNDLE`) that replaces the system trust store,
    /// as in botocore; nil for the system trust store.
    package var caBundle: String?
    package var connectTimeout: Double
    package var totalTimeout: Double
    /// The proxy to go through, or nil for a direct connection. The caller decides
    /// (`ProxyEnvironment`); the transport never reads proxy variables itself.
    package var proxy: String?
    /// A host name fixed to addresses (`localhost` to its loopback addresses), so no resolver is asked.
    package var pin: AddressPin?

    package init(
        caBundle: String? = nil, connectTimeout: Double = 3, totalTimeout: Double = 5, proxy: String? = nil,
        pin: AddressPin? = nil
    ) {
        self.caBundle = caBundle
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.proxy = proxy
        self.pin = pin
    }
}

/// Sends one request and waits for the whole response.
package protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest, options: TransportOptions) throws(HTTPFailure) -> HTTPResponse
}

/// libcurl, loaded on first use. The proxy (or none) and the trust store are exactly those of the
/// options: libcurl's own defaults (the proxy variables, CAPATH next to a CA bundle) never apply.
/// Redirects are not followed.
package struct CurlTransport: HTTPTransport {
    static let maxResponseBytes = 1 << 20

    package init() {}

    package func send(_ request: HTTPRequest, options: TransportOptions) throws(HTTPFailure) -> HTTPResponse {
        let headerLines = request.headers.map { "\($0.name): \($0.value)" }
        // libcurl's form: HOST:PORT:ADDRESS[,ADDRESS], IPv6 addresses in brackets.
        let resolveEntry = options.pin.map { pin in
            "\(pin.host):\(pin.port):"
                + pin.addresses.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ",")
        }
        var response = awskh_http_response()
        defer { awskh_http_response_free(&response) }

        withCStrings(headerLines) { headerPointers in
            request.body.withUnsafeBufferPointer { body in
                headerPointers.withUnsafeBufferPointer { headers in
                    request.url.withCString { url in
                        request.method.withCString { method in
                            withOptionalCString(options.caBundle) { caBundle in
                                withOptionalCString(options.proxy ?? "") { proxy in
                                    withOptionalCString(resolveEntry) { resolve in
                                        var cRequest = awskh_http_request(
                                            url: url,
                                            method: method,
                                            headers: headers.baseAddress,
                                            header_count: headers.count,
                                            body: body.baseAddress,
                                            body_length: body.count,
                                            ca_bundle: caBundle,
                                            connect_timeout_ms: Int(options.connectTimeout * 1000),
                                            total_timeout_ms: Int(options.totalTimeout * 1000),
                                            max_response_bytes: Self.maxResponseBytes,
                                            proxy: proxy,
                                            resolve: resolve
                                        )
                                        awskh_http_perform(&cRequest, &response)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        let detail = withUnsafeBytes(of: response.error) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch response.failure {
        case AWSKH_HTTP_OK:
            let contentType = withUnsafeBytes(of: response.content_type) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            let body =
                response.body.map { Array(UnsafeBufferPointer(start: $0, count: response.body_length)) } ?? []
            return HTTPResponse(
                status: response.status, contentType: contentType.isEmpty ? nil : contentType, body: body)
        case AWSKH_HTTP_NO_LIBCURL: throw HTTPFailure(kind: .unavailable, detail: detail)
        case AWSKH_HTTP_CONNECT: throw HTTPFailure(kind: .connect, detail: detail)
        case AWSKH_HTTP_TIMEOUT: throw HTTPFailure(kind: .timeout, detail: detail)
        case AWSKH_HTTP_TLS: throw HTTPFailure(kind: .tls, detail: detail)
        case AWSKH_HTTP_DROPPED: throw HTTPFailure(kind: .dropped, detail: detail)
        case AWSKH_HTTP_TOO_LARGE: throw HTTPFailure(kind: .tooLarge, detail: detail)
        default: throw HTTPFailure(kind: .other, detail: detail)
        }
    }
}

/// Calls `body` with C strings for `strings`, valid for the call. The copies are zeroed before they are
/// freed: header lines carry the signature and the session token.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer {
        for copy in copies {
            if let copy { explicit_bzero(copy, strlen(copy)) }
            free(copy)
        }
    }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
