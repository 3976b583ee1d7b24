/// An endpoint URL split into the parts signing and transport need: `scheme://host[:port][/path]`.
public struct EndpointURL: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int?
    public var path: String

    public init(_ text: String) throws(HelperError) {
        func invalid(_ why: String) -> HelperError {
            HelperError(
                "the endpoint URL '\(text)' \(why); it should look like https://sts.eu-west-1.amazonaws.com")
        }
        let lowered = text.lowercased()
        if lowered.hasPrefix("https://") {
            scheme = "https"
        } else if lowered.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw invalid("is not an http:// or https:// URL")
        }
        var rest = text.dropFirst(scheme.count + 3)
        if rest.contains("?") || rest.contains("#") { throw invalid("has a query or fragment") }
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        path = rest[pathStart...].isEmpty ? "/" : String(rest[pathStart...])
        rest = rest[..<pathStart]
        if rest.contains("@") { throw invalid("holds user information") }
        var hostPart = rest
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("has an unclosed IPv6 address") }
            host = String(rest[...close])
            hostPart = rest[rest.index(after: close)...]
            if hostPart.hasPrefix(":") {
                guard let port = Int(hostPart.dropFirst()), (1...65535).contains(port) else {
                    throw invalid("has a bad port")
                }
                self.port = port
            } else if !hostPart.isEmpty {
                throw invalid("is malformed")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
                throw invalid("has a bad port")
            }
            self.port = port
        } else {
            host = String(rest)
        }
        host = host.lowercased()
        if host.isEmpty { throw invalid("has no host") }
    }

    /// The Host header: the port only when it is not the scheme's default.
    public var hostHeader: String {
        guard let port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) else {
            return host
        }
        return "\(host):\(port)"
    }

    public var text: String {
        "\(scheme)://\(hostHeader)\(path)"
    }

    /// Loopback addresses: the only places a signed request may travel over plain HTTP (local test
    /// servers and proxies on the same machine).
    public var isLoopback: Bool {
        host == "localhost" || host.hasSuffix(".localhost") || host == "[::1]" || Self.isIPv4Loopback(host)
    }

    /// A dotted-quad address in 127.0.0.0/8 (not a name that merely starts with "127.").
    static func isIPv4Loopback(_ host: String) -> Bool {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3
                && octet.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                && (Int(octet) ?? 256) <= 255
        }
    }
}
