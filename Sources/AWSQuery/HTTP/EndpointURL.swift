#if canImport(Glibc)
    import Glibc
#endif

/// An endpoint URL split into the parts signing and transport need: `scheme://host[:port][/path]`.
/// The only parser of hosts in URLs, and the only judge of what counts as loopback.
package struct EndpointURL: Sendable, Equatable {
    package var scheme: String
    package var host: String
    package var port: Int?
    /// The path; for a URL parsed with `allowingQuery`, the query after it too.
    package var path: String

    /// - Parameter allowingQuery: whether `?query` (kept in `path`), `#fragment` and `user@` may
    ///   appear (a container credentials URL); signed endpoints have none of them.
    package init(_ text: String, allowingQuery: Bool = false) throws(EndpointURLError) {
        func invalid(_ problem: EndpointURLError.Problem) -> EndpointURLError {
            EndpointURLError(url: text, problem: problem)
        }
        let lowered = text.lowercased()
        if lowered.hasPrefix("https://") {
            scheme = "https"
        } else if lowered.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw invalid(.notHTTP)
        }
        var rest = text.dropFirst(scheme.count + 3)
        if !allowingQuery && (rest.contains("?") || rest.contains("#")) {
            throw invalid(.queryOrFragment)
        }
        let pathStart = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        path = rest[pathStart...].isEmpty ? "/" : String(rest[pathStart...])
        rest = rest[..<pathStart]
        if let at = rest.lastIndex(of: "@") {
            guard allowingQuery else { throw invalid(.userInformation) }
            rest = rest[rest.index(after: at)...]
        }
        var hostPart = rest
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid(.unclosedIPv6Address) }
            host = String(rest[...close])
            hostPart = rest[rest.index(after: close)...]
            if hostPart.hasPrefix(":") {
                guard let port = Int(hostPart.dropFirst()), (1...65535).contains(port) else {
                    throw invalid(.badPort)
                }
                self.port = port
            } else if !hostPart.isEmpty {
                throw invalid(.malformed)
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
                throw invalid(.badPort)
            }
            self.port = port
        } else {
            host = String(rest)
        }
        host = host.lowercased()
        if host.isEmpty { throw invalid(.noHost) }
    }

    /// The Host header: the port only when it is not the scheme's default.
    package var hostHeader: String {
        guard let port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) else {
            return host
        }
        return "\(host):\(port)"
    }

    package var text: String {
        "\(scheme)://\(hostHeader)\(path)"
    }

    /// The host without the brackets of an IPv6 address.
    package var bareHost: String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    package var effectivePort: Int {
        port ?? (scheme == "https" ? 443 : 80)
    }

    /// Loopback hosts: the only places a signed request may travel over plain HTTP (local test
    /// servers and proxies on the same machine).
    package var isLoopback: Bool {
        Self.loopbackAddresses(of: bareHost) != nil
    }

    /// The addresses a loopback host stands for; nil when the host is not loopback. Only `localhost`
    /// and literal addresses count: 127.0.0.0/8 in canonical dotted-quad form (no leading zeros, which
    /// libcurl would hand to the resolver as a name) and ::1. No other name, not even `*.localhost`:
    /// a name is what a resolver (DNS, /etc/hosts) may answer for with any address.
    package static func loopbackAddresses(of host: String) -> [String]? {
        if host == "localhost" { return ["127.0.0.1", "::1"] }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            // inet_pton takes only the canonical form; the first octet is the first byte in memory.
            let first = withUnsafeBytes(of: v4.s_addr) { $0[0] }
            return first == 127 ? [host] : nil
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            return bytes == Array(repeating: 0, count: 15) + [1] ? ["::1"] : nil
        }
        return nil
    }

    /// For `localhost`, the addresses the connection must use, so that no resolver (DNS, /etc/hosts)
    /// is asked where it is; nil for any other host (a literal address is never resolved).
    package var loopbackPin: AddressPin? {
        guard host == "localhost", let addresses = Self.loopbackAddresses(of: host) else { return nil }
        return AddressPin(host: host, port: effectivePort, addresses: addresses)
    }
}

/// A host name fixed to addresses for one exchange (libcurl's `CURLOPT_RESOLVE`).
package struct AddressPin: Sendable, Equatable {
    package var host: String
    package var port: Int
    package var addresses: [String]

    package init(host: String, port: Int, addresses: [String]) {
        self.host = host
        self.port = port
        self.addresses = addresses
    }
}
