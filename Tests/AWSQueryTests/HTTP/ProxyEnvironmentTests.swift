import TestSupport
import Testing

@testable import AWSQuery
@testable import CredentialValues

/// The proxy decision, as botocore makes it from the environment (urllib's getproxies_environment and
/// proxy_bypass_environment); the expectations were checked against botocore 1.43.
@Suite struct ProxyEnvironmentTests {
    func proxy(_ url: String, _ environment: [String: String]) throws -> String? {
        ProxyEnvironment(environment).proxy(for: try EndpointURL(url))
    }

    @Test func httpsTakesHTTPSProxyTheLowerCaseNameWinning() throws {
        #expect(try proxy("https://sts.amazonaws.com", ["HTTPS_PROXY": "http://p:3128"]) == "http://p:3128")
        #expect(
            try proxy(
                "https://sts.amazonaws.com", ["HTTPS_PROXY": "http://upper", "https_proxy": "http://lower"])
                == "http://lower")
        // An empty lower-case value unsets the upper-case one.
        #expect(
            try proxy("https://sts.amazonaws.com", ["HTTPS_PROXY": "http://upper", "https_proxy": ""]) == nil)
        // A proxy without a scheme is http, as botocore fixes it up.
        #expect(try proxy("https://sts.amazonaws.com", ["https_proxy": "p:3128"]) == "http://p:3128")
        #expect(try proxy("https://sts.amazonaws.com", ["https_proxy": "//p:3128"]) == "http://p:3128")
    }

    @Test func allProxyAndTheOtherSchemeAreIgnored() throws {
        #expect(
            try proxy("https://sts.amazonaws.com", ["ALL_PROXY": "http://p", "all_proxy": "http://p"]) == nil)
        #expect(try proxy("https://sts.amazonaws.com", ["http_proxy": "http://p"]) == nil)
        #expect(try proxy("http://169.254.169.254/", ["http_proxy": "http://p"]) == "http://p")
        // A CGI program ignores HTTP_PROXY (httpoxy), in any spelling but the lower-case one.
        #expect(
            try proxy("http://169.254.169.254/", ["HTTP_PROXY": "http://p", "REQUEST_METHOD": "GET"]) == nil)
    }

    @Test(arguments: [
        ("*", true), ("amazonaws.com", true), (".amazonaws.com", true), ("..amazonaws.com", true),
        ("sts.amazonaws.com", true), ("STS.AMAZONAWS.COM", true), (" other.com , amazonaws.com ", true),
        ("sts.amazonaws.com:443", true), ("zonaws.com", false), ("other.com", false), ("", false),
        ("*.amazonaws.com", false),
    ])
    func noProxyMatchesNamesAndDomainSuffixes(noProxy: String, bypassed: Bool) throws {
        let environment = ["HTTPS_PROXY": "http://p", "NO_PROXY": noProxy]
        let url = noProxy.hasSuffix(":443") ? "https://sts.amazonaws.com:443" : "https://sts.amazonaws.com"
        #expect(try proxy(url, environment) == (bypassed ? nil : "http://p"))
    }

    @Test func plainHTTPToLoopbackNeverGoesThroughAProxy() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("GetSessionToken", id: "ASIA1", expiration: 1_795_827_723 + 3600)
        ])
        let configuration = try STSConfiguration(
            profile: "p", files: try configFiles("[profile p]\nregion = eu-west-1\n"),
            environment: [
                "AWS_ENDPOINT_URL": "http://localhost:5000", "http_proxy": "http://p",
                "HTTP_PROXY": "http://p",
                "https_proxy": "http://p", "ALL_PROXY": "http://p",
            ])
        let client = STSClient(
            configuration: configuration,
            connection: QueryConnection(transport: transport, clock: TestClock()))
        _ = try client.getSessionToken(
            durationSeconds: 3600, serialNumber: nil, tokenCode: nil,
            with: AWSCredentials(accessKeyId: "AKID", secretAccessKey: "secret"))
        let options = try #require(transport.options.first)
        #expect(options.proxy == nil)
        #expect(options.pin == AddressPin(host: "localhost", port: 5000, addresses: ["127.0.0.1", "::1"]))
    }
}
