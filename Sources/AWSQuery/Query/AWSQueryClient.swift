import AWSXML
import HelperSupport

/// One AWS service spoken to over the query protocol (form-encoded POST, XML answers): STS and IAM. It
/// signs each call with SigV4, retries what may succeed later the way the SDKs' standard mode does, and
/// bounds the whole call in time. The service clients only build forms and read answers.
struct AWSQueryClient: Sendable {
    /// The name in messages ("STS", "IAM").
    var serviceName: String
    /// The SigV4 signing name ("sts", "iam").
    var signingName: String
    /// The API version sent with every action.
    var apiVersion: String
    var endpoint: String
    var signingRegion: String
    var caBundle: String?
    var proxies: ProxyEnvironment
    var maxAttempts: Int
    var transport: any HTTPTransport
    var clock: @Sendable () -> Int
    var sleep: @Sendable (Double) -> Void
    var random: @Sendable () -> Double
    var deadline: Double
    var connectTimeout: Double
    var attemptTimeout: Double

    /// Sends one action and returns the body of its successful answer, retrying what may succeed later.
    /// A service's refusal comes back as `AWSQueryError.service` with the service's error. Without
    /// `credentials` the request goes unsigned (AssumeRoleWithWebIdentity: the token is the proof).
    func call(
        _ action: String, _ parameters: [(String, String)], credentials: AWSCredentials?,
        describing what: String
    ) throws(AWSQueryError) -> [UInt8] {
        let url: EndpointURL
        do {
            url = try EndpointURL(endpoint)
        } catch {
            throw .invalidEndpoint(error)
        }
        if url.scheme == "http" && !url.isLoopback {
            throw .plainHTTPRefused(service: serviceName, host: url.host, signed: credentials != nil)
        }
        let body = FormEncoding.encode([("Action", action), ("Version", apiVersion)] + parameters)
        let start = SystemClock.now()
        var attempt = 0
        while true {
            attempt += 1
            let remaining = deadline - (SystemClock.now() - start)
            let outcome = send(
                body: body, to: url, credentials: credentials, timeout: min(attemptTimeout, remaining))
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
            let elapsed = SystemClock.now() - start
            guard retryable, attempt < maxAttempts, elapsed + wait + 1 < deadline else {
                throw failure
            }
            sleep(wait)
        }
    }

    private func send(body: String, to url: EndpointURL, credentials: AWSCredentials?, timeout: Double)
        -> Result<HTTPResponse, HTTPFailure>
    {
        let bodyBytes = Array(body.utf8)
        var headers = [
            SigningHeader(name: "Host", value: url.hostHeader),
            SigningHeader(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
        ]
        if let credentials {
            let signer = SigV4Signer(credentials: credentials, region: signingRegion, service: signingName)
            headers += signer.sign(
                SigningRequest(method: "POST", path: url.path, query: "", headers: headers, body: bodyBytes),
                date: clock())
        }
        let request = HTTPRequest(method: "POST", url: url.text, headers: headers, body: bodyBytes)
        // Plain http goes only to loopback (checked in `call`), and never through a proxy: the proxy would
        // read the signed request, MFA code included. https follows the SDKs' proxy variables.
        let options = TransportOptions(
            caBundle: caBundle, connectTimeout: min(connectTimeout, timeout), totalTimeout: max(timeout, 0.5),
            proxy: url.scheme == "https" ? proxies.proxy(for: url) : nil, pin: url.loopbackPin)
        do {
            return .success(try transport.send(request, options: options))
        } catch {
            return .failure(error)
        }
    }

    /// Exponential backoff with full jitter, as in the SDKs' standard mode (base 1 s, cap 20 s).
    func backoff(attempt: Int) -> Double {
        let ceiling = min(20, Double(1 << min(attempt - 1, 10)))
        return random() * ceiling
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

/// `application/x-www-form-urlencoded` bodies, escaping everything but RFC 3986's unreserved characters.
package enum FormEncoding {
    package static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
