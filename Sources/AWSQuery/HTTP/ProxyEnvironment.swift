import TextFormats

/// The proxy variables of the environment, read as botocore reads them (Python's
/// `urllib.request.getproxies_environment` and `proxy_bypass_environment`, through botocore's
/// `get_environ_proxies`): `https_proxy` / `HTTPS_PROXY` for https URLs, `http_proxy` / `HTTP_PROXY`
/// for http ones (not when `REQUEST_METHOD` says this is a CGI program), the lower-case name winning
/// and an empty lower-case value unsetting; `no_proxy` / `NO_PROXY` a comma-separated list of host
/// names and domain suffixes, or `*`. `ALL_PROXY`, which libcurl alone would use, is ignored, and so
/// is libcurl's own reading of these variables: the transport is told the decision.
package struct ProxyEnvironment: Sendable, Equatable {
    /// Scheme ("http", "https", "no") to value.
    var values: [String: String]

    package init(_ environment: [String: String]) {
        var values: [String: String] = [:]
        // Only the variables named "..._proxy" in any case matter; picked out once, by their bytes.
        let proxyVariables = environment.filter { Self.endsInProxy($0.key) }
        // Any spelling first, then names that end in a lower-case "_proxy" again, so they win.
        for (name, value) in proxyVariables where !value.isEmpty {
            values[String(ASCIIText.lowercased(name).dropLast(6))] = value
        }
        if environment["REQUEST_METHOD"] != nil { values["http"] = nil }
        for (name, value) in proxyVariables where name.hasSuffix("_proxy") {
            let key = String(ASCIIText.lowercased(name).dropLast(6))
            values[key] = value.isEmpty ? nil : value
        }
        self.values = values
    }

    /// No proxy for any URL.
    package static let direct = ProxyEnvironment([:])

    /// Whether the name ends in "_proxy" in any case, checked without lower-casing every variable's name.
    private static func endsInProxy(_ name: String) -> Bool {
        let suffix = name.utf8.suffix(6)
        return suffix.count == 6
            && zip(suffix, "_proxy".utf8).allSatisfy { ((0x41...0x5A).contains($0) ? $0 | 0x20 : $0) == $1 }
    }

    /// The proxy URL for a request to `url`, or nil to connect directly.
    package func proxy(for url: EndpointURL) -> String? {
        guard let proxy = values[url.scheme], !bypasses(url) else { return nil }
        if proxy.hasPrefix("http:") || proxy.hasPrefix("https:") { return proxy }
        if proxy.hasPrefix("//") { return "http:" + proxy }
        return "http://" + proxy
    }

    /// `no_proxy` matching, on the URL's `host[:port]` as written, and on the host alone.
    func bypasses(_ url: EndpointURL) -> Bool {
        guard let list = values["no"] else { return false }
        if list == "*" { return true }
        let hostOnly = url.host
        let netloc = url.port.map { "\(hostOnly):\($0)" } ?? hostOnly
        for entry in list.split(separator: ",", omittingEmptySubsequences: false) {
            var name = Substring(ASCIIText.trimmed(String(entry)))
            guard !name.isEmpty else { continue }
            while name.hasPrefix(".") { name = name.dropFirst() }
            let lowered = ASCIIText.lowercased(String(name))
            if hostOnly == lowered || netloc == lowered { return true }
            let suffix = "." + lowered
            if hostOnly.hasSuffix(suffix) || netloc.hasSuffix(suffix) { return true }
        }
        return false
    }
}
