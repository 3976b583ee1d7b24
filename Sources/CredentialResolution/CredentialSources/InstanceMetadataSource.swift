import AWSConfigFile
import AWSQuery
import CredentialValues
import TextFormats

/// `credential_source = Ec2InstanceMetadata`: the instance role's credentials from the EC2 instance
/// metadata service, as botocore's `InstanceMetadataFetcher` gets them. IMDSv2 first (a session token
/// from `PUT /latest/api/token`); when that PUT is refused (403, 404, 405) or times out, the GETs go
/// without a token (IMDSv1) unless `ec2_metadata_v1_disabled` forbids it.
package struct InstanceMetadataSource {
    static let defaultEndpoint = "http://169.254.169.254/"
    static let ipv6Endpoint = "http://[fd00:ec2::254]/"
    static let tokenPath = "latest/api/token"
    static let credentialsPath = "latest/meta-data/iam/security-credentials/"
    static let tokenTTL = "21600"

    package var endpoint: String
    /// Seconds for each request (`metadata_service_timeout`, default 1).
    package var timeout: Double
    /// Tries of each request (`metadata_service_num_attempts`, default 1).
    package var attempts: Int
    /// `AWS_EC2_METADATA_DISABLED=true`.
    package var disabled: Bool
    var v1Disabled: Bool
    /// The proxy botocore's metadata fetcher takes from the environment for the endpoint.
    var proxy: String?

    /// The settings botocore reads from the environment and the profile asked for.
    /// - Throws: `ConfigError` or `CredentialSourceError`.
    package init(profile: String, files: AWSConfigFiles, environment: [String: String]) throws {
        let settings = files.profiles[profile] ?? [:]
        func setting(_ variable: String, _ key: String) -> (value: String, name: String)? {
            if let value = environment[variable], !value.isEmpty { return (value, variable) }
            return settings.value(key).map { ($0, key) }
        }
        func whole(_ variable: String, _ key: String, default value: Int) throws(ConfigError) -> Int {
            guard let text = setting(variable, key) else { return value }
            guard let number = Int(text.value.trimmingWhitespace()), number >= 1, number <= 100 else {
                throw .invalidValue(
                    name: text.name, value: text.value, expected: "a whole number from 1 to 100")
            }
            return number
        }
        timeout = Double(try whole("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout", default: 1))
        attempts = try whole("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts", default: 1)
        disabled = environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
        v1Disabled =
            setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")?.value.lowercased() == "true"
        if let custom = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint") {
            do throws(EndpointURLError) {
                _ = try EndpointURL(custom.value)
            } catch {
                throw CredentialSourceError.metadataEndpointInvalid(name: custom.name, value: custom.value)
            }
            endpoint = custom.value
        } else {
            let mode = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode")
            endpoint = mode?.value.lowercased() == "ipv6" ? Self.ipv6Endpoint : Self.defaultEndpoint
        }
        proxy = (try? EndpointURL(endpoint)).flatMap { ProxyEnvironment(environment).proxy(for: $0) }
    }

    func url(_ path: String) -> String {
        endpoint + (endpoint.hasSuffix("/") ? "" : "/") + path
    }

    var options: TransportOptions {
        TransportOptions(connectTimeout: timeout, totalTimeout: timeout, proxy: proxy)
    }

    /// The role's credentials, or an error that says what failed and what to check: a session token
    /// (IMDSv2, unless the service answers only IMDSv1), the role's name, then its credentials.
    func fetch(profile: String, transport: any HTTPTransport, json: any JSONDecoding)
        throws(CredentialSourceError)
        -> AWSCredentials
    {
        if disabled {
            throw .metadataDisabled(profile: profile)
        }
        let token = try sessionToken(profile: profile, transport: transport)
        if token == nil && v1Disabled {
            throw failure(
                profile, "no IMDSv2 session token could be had and ec2_metadata_v1_disabled forbids IMDSv1")
        }
        let headers = token.map { [SigningHeader(name: "X-aws-ec2-metadata-token", value: $0)] } ?? []
        let roleName = try roleName(profile: profile, headers: headers, transport: transport)
        return try credentials(
            of: roleName, profile: profile, headers: headers, transport: transport, json: json)
    }

    /// What failed, with where and how the service was asked and what to raise if it is slow.
    private func failure(_ profile: String, _ what: String) -> CredentialSourceError {
        .metadataUnavailable(
            profile: profile, problem: what, endpoint: endpoint, attempts: attempts, timeout: Int(timeout))
    }

    /// A refusal (401, 403) of a GET.
    private func refusal(_ profile: String, _ status: Int) -> CredentialSourceError {
        .metadataRefused(profile: profile, endpoint: endpoint, status: status)
    }

    /// The name of the role attached to the instance.
    private func roleName(profile: String, headers: [SigningHeader], transport: any HTTPTransport)
        throws(CredentialSourceError) -> String
    {
        let roleName = try get(
            Self.credentialsPath, headers: headers, transport: transport, refused: { refusal(profile, $0) }
        ) { body in
            !body.isEmpty
        }
        .map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() }
        guard let roleName, !roleName.isEmpty else {
            throw failure(
                profile, "the instance's role name could not be read (is an IAM role attached to it?)")
        }
        return roleName
    }

    /// The credentials document of `roleName`, asked for again (as botocore does) only when the answer
    /// is not JSON.
    private func credentials(
        of roleName: String, profile: String, headers: [SigningHeader], transport: any HTTPTransport,
        json: any JSONDecoding
    ) throws(CredentialSourceError) -> AWSCredentials {
        var problem: MetadataCredentials.Problem?
        let body = try get(
            Self.credentialsPath + roleName, headers: headers, transport: transport,
            refused: { refusal(profile, $0) }
        ) { body in
            do throws(MetadataCredentials.Problem) {
                _ = try MetadataCredentials.parse(body, json: json)
                return true
            } catch {
                problem = error
                // botocore asks again only for an answer that is not JSON.
                return error != .notJSON
            }
        }
        guard let body else {
            throw failure(
                profile,
                "the credentials of role '\(roleName)' could not be read"
                    + (problem.map { " (it sent \(MetadataCredentials.describe($0)))" } ?? ""))
        }
        do throws(MetadataCredentials.Problem) {
            return try MetadataCredentials.parse(body, json: json)
        } catch {
            throw failure(
                profile,
                "the metadata service sent \(MetadataCredentials.describe(error)) for role '\(roleName)'")
        }
    }

    /// An IMDSv2 session token; nil when the service answers only IMDSv1 (the PUT refused with 403, 404
    /// or 405, or not answered in time, as botocore takes it).
    private func sessionToken(profile: String, transport: any HTTPTransport) throws(CredentialSourceError)
        -> String?
    {
        let request = HTTPRequest(
            method: "PUT", url: url(Self.tokenPath),
            headers: [SigningHeader(name: "X-aws-ec2-metadata-token-ttl-seconds", value: Self.tokenTTL)],
            body: [])
        for _ in 0..<attempts {
            let outcome: Result<HTTPResponse, HTTPFailure>
            do {
                outcome = .success(try transport.send(request, options: options))
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let response) where response.status == 200:
                return String(decoding: response.body, as: UTF8.self)
            case .success(let response) where [403, 404, 405].contains(response.status):
                return nil
            case .success(let response) where response.status == 400:
                throw failure(profile, "the metadata service refused the session token request (HTTP 400)")
            case .success:
                continue
            case .failure(let error) where error.kind == .timeout:
                // As botocore: a service that does not answer the PUT may still answer IMDSv1.
                return nil
            case .failure(let error) where error.isTransient:
                continue
            case .failure(let error):
                throw failure(profile, "the metadata service could not be reached: \(error.description)")
            }
        }
        return nil
    }

    /// A GET tried up to `attempts` times, until an answer with status 200 that `accept`s its body. A
    /// refusal (401, 403) is final: asking again gets the same answer.
    private func get(
        _ path: String, headers: [SigningHeader], transport: any HTTPTransport,
        refused: (Int) -> CredentialSourceError, accept: ([UInt8]) -> Bool
    ) throws(CredentialSourceError) -> [UInt8]? {
        let request = HTTPRequest(method: "GET", url: url(path), headers: headers, body: [])
        for _ in 0..<attempts {
            let response: HTTPResponse
            do {
                response = try transport.send(request, options: options)
            } catch {
                continue
            }
            if response.status == 401 || response.status == 403 { throw refused(response.status) }
            if response.status == 200 && accept(response.body) { return response.body }
        }
        return nil
    }
}
