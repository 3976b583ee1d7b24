import AWSXML
import CredentialValues
import SystemAccess

/// Where a query-protocol service is called for a profile: what `AWSQueryClient` needs of an
/// `STSConfiguration` or an `IAMConfiguration`.
package protocol QueryEndpointConfiguration: Sendable {
    var endpoint: String { get }
    var signingRegion: String { get }
    var caBundle: String? { get }
    var maxAttempts: Int { get }
    var proxies: ProxyEnvironment { get }
}

/// How long one query-protocol call may take: the whole call (all attempts and the waits between
/// them), connecting, and one attempt. The SDKs' defaults are longer; a credential_process that hangs
/// for a minute holds up every SDK client that asked, so these are short.
package struct QueryTimeLimits: Sendable, Equatable {
    /// The bound on one call, all attempts and waits included.
    package var deadline: Double
    package var connectTimeout: Double
    package var attemptTimeout: Double

    package init(deadline: Double = 15, connectTimeout: Double = 3, attemptTimeout: Double = 6) {
        self.deadline = deadline
        self.connectTimeout = connectTimeout
        self.attemptTimeout = attemptTimeout
    }

    /// These limits with the whole call shortened to at most `seconds` (`doctor` asks for less), the
    /// connection and attempt bounds never longer than the whole.
    package func capped(at seconds: Double) -> QueryTimeLimits {
        let whole = min(deadline, seconds)
        return QueryTimeLimits(
            deadline: whole, connectTimeout: min(connectTimeout, whole),
            attemptTimeout: min(attemptTimeout, whole))
    }
}

/// What a query-protocol service client is made with besides its configuration: how requests travel,
/// the clock (signing dates, the deadline, waits between attempts), the jitter and the time limits.
package struct QueryConnection: Sendable {
    package var transport: any HTTPTransport
    package var clock: any TimeSource
    /// A number in [0, 1) for backoff jitter.
    package var random: @Sendable () -> Double
    package var limits: QueryTimeLimits

    package init(
        transport: any HTTPTransport, clock: any TimeSource,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        limits: QueryTimeLimits = QueryTimeLimits()
    ) {
        self.transport = transport
        self.clock = clock
        self.random = random
        self.limits = limits
    }
}

/// One AWS service spoken to over the query protocol (form-encoded POST, XML answers): STS and IAM. It
/// signs each call with SigV4, retries what may succeed later the way the SDKs' standard mode does, and
/// bounds the whole call in time. The service clients only build forms and read answers.
struct AWSQueryClient: Sendable {
    /// A service's names and API version.
    struct Service: Sendable {
        /// The name in messages ("STS", "IAM").
        var name: String
        /// The SigV4 signing name ("sts", "iam").
        var signingName: String
        /// The API version sent with every action.
        var apiVersion: String

        static let sts = Service(name: "STS", signingName: "sts", apiVersion: "2011-06-15")
        static let iam = Service(name: "IAM", signingName: "iam", apiVersion: "2010-05-08")
    }

    let service: Service
    let configuration: any QueryEndpointConfiguration
    let connection: QueryConnection
    /// The configured endpoint parsed once, for every call; a bad URL fails each call, as it says.
    private let endpointURL: Result<EndpointURL, EndpointURLError>

    init(service: Service, configuration: any QueryEndpointConfiguration, connection: QueryConnection) {
        self.service = service
        self.configuration = configuration
        self.connection = connection
        endpointURL = Result { () throws(EndpointURLError) in try EndpointURL(configuration.endpoint) }
    }

    /// Sends one action and returns the body of its successful answer, retrying what may succeed later.
    /// A service's refusal comes back as `AWSQueryError.service` with the service's error. Without
    /// `credentials` the request goes unsigned (AssumeRoleWithWebIdentity: the token is the proof).
    func call(
        _ action: String, _ parameters: [(String, String)], credentials: AWSCredentials?,
        describing what: String
    ) throws(AWSQueryError) -> [UInt8] {
        let url: EndpointURL
        do {
            url = try endpointURL.get()
        } catch {
            throw .invalidEndpoint(error)
        }
        let serviceName = service.name
        let clock = connection.clock
        let limits = connection.limits
        if url.scheme == "http" && !url.isLoopback {
            throw .plainHTTPRefused(service: serviceName, host: url.host, signed: credentials != nil)
        }
        let body = FormEncoding.encode([("Action", action), ("Version", service.apiVersion)] + parameters)
        let start = clock.now()
        var attempt = 0
        while true {
            attempt += 1
            let remaining = limits.deadline - (clock.now() - start)
            let outcome = try send(
                body: body, to: url, credentials: credentials, timeout: min(limits.attemptTimeout, remaining),
                describing: what)
            let retryable: Bool
            let failure: AWSQueryError
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                // Some proxies and look-alike services answer an error document with a 200: it is the
                // service's error all the same, with its code (and retried if the code says so).
                guard var serviceError = STSResponse.serviceError(from: response.body) else {
                    return response.body
                }
                serviceError.httpStatus = response.status
                retryable = Self.isRetryable(status: response.status, code: serviceError.code)
                failure = .service(serviceError, call: what, attempts: attempt)
            case .success(let response):
                var serviceError = STSResponse.serviceError(from: response.body)
                serviceError?.httpStatus = response.status
                retryable = Self.isRetryable(status: response.status, code: serviceError?.code)
                if let serviceError {
                    failure = .service(serviceError, call: what, attempts: attempt)
                } else {
                    failure = .httpStatus(
                        response.status, service: serviceName, call: what, attempts: attempt)
                }
            case .failure(let error):
                retryable = error.isTransient
                failure = .transport(error, url: url.text, call: what, attempts: attempt)
            }
            let wait = backoff(attempt: attempt)
            let elapsed = clock.now() - start
            guard retryable, attempt < configuration.maxAttempts, elapsed + wait + 1 < limits.deadline else {
                throw failure
            }
            clock.sleep(wait)
        }
    }

    /// One attempt: the transport's answer or failure; throws only when the request cannot be signed.
    private func send(
        body: String, to url: EndpointURL, credentials: AWSCredentials?, timeout: Double,
        describing what: String
    ) throws(AWSQueryError) -> Result<HTTPResponse, HTTPFailure> {
        let bodyBytes = Array(body.utf8)
        var headers = [
            SigningHeader(name: "Host", value: url.hostHeader),
            SigningHeader(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
        ]
        if let credentials {
            let signer = SigV4Signer(
                credentials: credentials, region: configuration.signingRegion, service: service.signingName)
            do {
                headers += try signer.sign(
                    SigningRequest(
                        method: "POST", path: url.path, query: "", headers: headers, body: bodyBytes),
                    date: connection.clock.epochSeconds)
            } catch {
                throw .cannotSign(call: what, reason: error.reason)
            }
        }
        let request = HTTPRequest(method: "POST", url: url.text, headers: headers, body: bodyBytes)
        // Plain http goes only to loopback (checked in `call`), and never through a proxy: the proxy would
        // read the signed request, MFA code included. https follows the SDKs' proxy variables.
        let options = TransportOptions(
            caBundle: configuration.caBundle, connectTimeout: min(connection.limits.connectTimeout, timeout),
            totalTimeout: max(timeout, 0.5),
            proxy: url.scheme == "https" ? configuration.proxies.proxy(for: url) : nil, pin: url.loopbackPin)
        do {
            return .success(try connection.transport.send(request, options: options))
        } catch {
            return .failure(error)
        }
    }

    /// Exponential backoff with full jitter, as in the SDKs' standard mode (base 1 s, cap 20 s).
    func backoff(attempt: Int) -> Double {
        let ceiling = min(20, Double(1 << min(attempt - 1, 10)))
        return connection.random() * ceiling
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable",
        "IDPCommunicationError",
    ]

    static func isRetryable(status: Int, code: String?) -> Bool {
        if let code, throttlingCodes.contains(code) || transientCodes.contains(code) { return true }
        return [500, 502, 503, 504, 429].contains(status)
    }
}

/// `application/x-www-form-urlencoded` bodies, escaping everything but RFC 3986's unreserved characters:
/// the percent-encoding SigV4 gives a query string's names and values, so there is one encoder.
package enum FormEncoding {
    package static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    private static func escape(_ text: String) -> String {
        SigV4Signer.uriEncode(Array(text.utf8), keepSlash: false)
    }
}
