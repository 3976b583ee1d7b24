import AWSConfigFile
import AWSQuery
import CredentialValues
import SystemAccess
import TextFormats

/// `credential_source = EcsContainer`: the task's (ECS) or pod's (EKS Pod Identity) role from the
/// container credentials endpoint, as botocore's `ContainerProvider` gets it:
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on `http://169.254.170.2`, or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (https, a loopback address or one of the container hosts), with
/// an `Authorization` header from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read each time) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
package struct ContainerEndpointSource {
    package static let ecsAddress = "169.254.170.2"
    static let allowedHosts: Set<String> = [ecsAddress, "169.254.170.23", "fd00:ec2::23", "localhost"]
    static let timeout = 2.0
    static let attempts = 3
    static let pause = 1.0

    /// Where the environment says the endpoint is: a path on the ECS address, or a whole URL.
    package enum Location: Equatable {
        case relative(String)
        case full(String)

        /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, else `AWS_CONTAINER_CREDENTIALS_FULL_URI`, as botocore
        /// looks; nil when neither is set.
        package init?(environment: [String: String]) {
            if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
                self = .relative(relative)
            } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] {
                self = .full(full)
            } else {
                return nil
            }
        }

        package var url: String {
            switch self {
            case .relative(let path): "http://\(ContainerEndpointSource.ecsAddress)\(path)"
            case .full(let url): url
            }
        }

        /// The variable and its value, for cache keys (which task's or pod's role; never the token).
        var descriptor: String {
            switch self {
            case .relative(let path): "relative:" + path
            case .full(let url): "full:" + url
            }
        }
    }

    var url: String
    /// `url` parsed, once: for the loopback pin of each try.
    var parsedURL: EndpointURL
    var tokenFile: String?
    var token: String?

    init(profile: String, environment: [String: String]) throws(CredentialSourceError) {
        if let location = Location(environment: environment) {
            url = location.url
        } else {
            throw .containerNotConfigured(profile: profile)
        }
        parsedURL = try Self.checkAllowed(url, profile: profile)
        tokenFile = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    }

    /// botocore's rule: https anywhere; plain http only to a loopback address or a container host.
    /// Returns the URL parsed.
    @discardableResult
    static func checkAllowed(_ url: String, profile: String) throws(CredentialSourceError) -> EndpointURL {
        let parsed: EndpointURL
        do {
            parsed = try EndpointURL(url, allowingQuery: true)
        } catch {
            throw .containerURLInvalid(profile: profile, url: url)
        }
        if parsed.scheme == "https" { return parsed }
        let host = parsed.bareHost
        if allowedHosts.contains(host) || parsed.isLoopback { return parsed }
        throw .containerHostNotAllowed(profile: profile, host: host, allowed: allowedHosts.sorted())
    }

    /// The `Authorization` value: the token file's contents when that variable is set, else the token.
    func authorization(profile: String) throws(CredentialSourceError) -> String? {
        var value = token
        if let tokenFile {
            let bytes: [UInt8]?
            do {
                bytes = try ConfigFileAccess.readFile(atPath: tokenFile)
            } catch {
                throw .containerTokenFileUnreadable(path: tokenFile, error)
            }
            guard let bytes else {
                throw .containerTokenFileMissing(path: tokenFile)
            }
            value = String(decoding: bytes, as: UTF8.self)
        }
        guard let value else { return nil }
        if value.contains("\r") || value.contains("\n") {
            let origin = tokenFile.map { "in \($0)" } ?? "AWS_CONTAINER_AUTHORIZATION_TOKEN"
            throw .containerTokenLineBreak(origin: origin)
        }
        return value
    }

    func fetch(
        profile: String, transport: any HTTPTransport, clock: any TimeSource, json: any JSONDecoding
    ) throws(CredentialSourceError) -> AWSCredentials {
        var headers = [SigningHeader(name: "Accept", value: "application/json")]
        if let authorization = try authorization(profile: profile) {
            headers.append(SigningHeader(name: "Authorization", value: authorization))
        }
        let request = HTTPRequest(method: "GET", url: url, headers: headers, body: [])
        // As botocore's container provider: never through a proxy (the token must not travel to one),
        // and `localhost` pinned to its loopback addresses.
        let options = TransportOptions(
            connectTimeout: Self.timeout, totalTimeout: Self.timeout,
            pin: parsedURL.loopbackPin)
        var last = ""
        for attempt in 1...Self.attempts {
            if attempt > 1 { clock.sleep(Self.pause) }
            let response: HTTPResponse
            do {
                response = try transport.send(request, options: options)
            } catch {
                last = error.description
                continue
            }
            if response.status == 401 || response.status == 403 {
                // A refusal is not a passing fault: asking again gets the same answer, only later.
                throw .containerRefused(profile: profile, url: url, status: response.status)
            }
            guard response.status == 200 else {
                last = "it answered HTTP \(response.status)"
                continue
            }
            do throws(MetadataCredentials.Problem) {
                return try MetadataCredentials.parse(response.body, json: json)
            } catch .notJSON {
                last = "it sent " + MetadataCredentials.describe(.notJSON)
            } catch {
                // botocore does not ask again for a JSON answer that lacks a member.
                last = "it sent " + MetadataCredentials.describe(error)
                break
            }
        }
        throw .containerNoCredentials(profile: profile, url: url, lastProblem: last)
    }
}
