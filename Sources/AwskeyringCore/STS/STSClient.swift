/// The STS calls this tool makes, over the query protocol (form-encoded POST, XML answers), signed with
/// SigV4, retried the way the SDKs' standard mode retries, within an overall time bound.
public struct STSClient: Sendable {
    public var configuration: STSConfiguration
    public var transport: any HTTPTransport
    /// Seconds since the Unix epoch; a parameter so tests control signing dates.
    public var clock: @Sendable () -> Int
    /// Waits between attempts; tests pass one that does not sleep.
    public var sleep: @Sendable (Double) -> Void
    /// A number in [0, 1) for backoff jitter.
    public var random: @Sendable () -> Double
    /// The bound on one call, all attempts and waits included.
    public var deadline: Double = 15
    public var connectTimeout: Double = 3
    public var attemptTimeout: Double = 6

    public init(
        configuration: STSConfiguration,
        transport: any HTTPTransport = CurlTransport(),
        clock: @escaping @Sendable () -> Int = { Int(SystemClock.now()) },
        sleep: @escaping @Sendable (Double) -> Void = SystemClock.sleep,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        self.sleep = sleep
        self.random = random
    }

    public struct AssumeRoleParameters: Sendable, Equatable {
        public var roleArn: String
        public var sessionName: String
        public var durationSeconds: Int?
        public var externalId: String?
        public var serialNumber: String?
        public var tokenCode: String?

        public init(
            roleArn: String, sessionName: String, durationSeconds: Int? = nil, externalId: String? = nil,
            serialNumber: String? = nil, tokenCode: String? = nil
        ) {
            self.roleArn = roleArn
            self.sessionName = sessionName
            self.durationSeconds = durationSeconds
            self.externalId = externalId
            self.serialNumber = serialNumber
            self.tokenCode = tokenCode
        }
    }

    public func assumeRole(_ parameters: AssumeRoleParameters, with credentials: AWSCredentials)
        throws(HelperError)
        -> STSCredentialsResult
    {
        var form: [(String, String)] = [
            ("RoleArn", parameters.roleArn), ("RoleSessionName", parameters.sessionName),
        ]
        if let duration = parameters.durationSeconds { form.append(("DurationSeconds", String(duration))) }
        if let externalId = parameters.externalId { form.append(("ExternalId", externalId)) }
        if let serial = parameters.serialNumber { form.append(("SerialNumber", serial)) }
        if let code = parameters.tokenCode { form.append(("TokenCode", code)) }
        let body = try call(
            "AssumeRole", form, credentials: credentials, describing: "AssumeRole \(parameters.roleArn)")
        return try parse("AssumeRole \(parameters.roleArn)") { () throws(STSResponseError) in
            try STSResponse.credentials(from: body, action: "AssumeRole")
        }
    }

    /// AssumeRoleWithWebIdentity: unsigned (the token is the proof), so it needs no credentials.
    public func assumeRoleWithWebIdentity(
        roleArn: String, sessionName: String, webIdentityToken: String, durationSeconds: Int? = nil
    ) throws(HelperError) -> STSCredentialsResult {
        var form: [(String, String)] = [
            ("RoleArn", roleArn), ("RoleSessionName", sessionName), ("WebIdentityToken", webIdentityToken),
        ]
        if let duration = durationSeconds { form.append(("DurationSeconds", String(duration))) }
        let what = "AssumeRoleWithWebIdentity \(roleArn)"
        let body = try call("AssumeRoleWithWebIdentity", form, credentials: nil, describing: what)
        return try parse(what) { () throws(STSResponseError) in
            try STSResponse.credentials(from: body, action: "AssumeRoleWithWebIdentity")
        }
    }

    public func getSessionToken(
        durationSeconds: Int?, serialNumber: String?, tokenCode: String?, with credentials: AWSCredentials
    ) throws(HelperError) -> STSCredentialsResult {
        var form: [(String, String)] = []
        if let duration = durationSeconds { form.append(("DurationSeconds", String(duration))) }
        if let serial = serialNumber { form.append(("SerialNumber", serial)) }
        if let code = tokenCode { form.append(("TokenCode", code)) }
        let body = try call("GetSessionToken", form, credentials: credentials, describing: "GetSessionToken")
        return try parse("GetSessionToken") { () throws(STSResponseError) in
            try STSResponse.credentials(from: body, action: "GetSessionToken")
        }
    }

    public func getCallerIdentity(with credentials: AWSCredentials) throws(HelperError) -> CallerIdentity {
        let body = try call(
            "GetCallerIdentity", [], credentials: credentials, describing: "GetCallerIdentity")
        return try parse("GetCallerIdentity") { () throws(STSResponseError) in
            try STSResponse.callerIdentity(from: body)
        }
    }

    private func parse<T>(_ what: String, _ body: () throws(STSResponseError) -> T) throws(HelperError) -> T {
        do {
            return try body()
        } catch {
            throw HelperError(
                "\(what) failed: STS sent a response that could not be read (\(error.description))")
        }
    }

    /// Sends one action and returns the body of its successful answer, retrying what may succeed later.
    /// Without `credentials` the request goes unsigned.
    func call(
        _ action: String, _ parameters: [(String, String)], credentials: AWSCredentials?,
        describing what: String
    )
        throws(HelperError) -> [UInt8]
    {
        let url = try EndpointURL(configuration.endpoint)
        if url.scheme == "http" && !url.isLoopback {
            throw HelperError(
                """
                refusing to send \(credentials == nil ? "an unsigned STS request with a token" : "signed STS requests") over plain http to \(url.host): use an https:// endpoint \
                (plain http is allowed only to this machine's loopback addresses)
                """)
        }
        let body = FormEncoding.encode([("Action", action), ("Version", "2011-06-15")] + parameters)
        let start = SystemClock.now()
        var attempt = 0
        while true {
            attempt += 1
            let remaining = deadline - (SystemClock.now() - start)
            let outcome = send(
                body: body, to: url, credentials: credentials, timeout: min(attemptTimeout, remaining))
            let retryable: Bool
            let failure: String
            var serviceFailure: STSServiceError?
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                return response.body
            case .success(let response):
                let serviceError = STSResponse.serviceError(from: response.body)
                retryable = Self.isRetryable(status: response.status, code: serviceError?.code)
                serviceFailure = serviceError
                if let serviceError {
                    failure = "\(what) failed: \(serviceError.code): \(serviceError.message)"
                } else {
                    failure = "\(what) failed: STS answered HTTP \(response.status)"
                }
            case .failure(let error):
                retryable = error.isTransient
                failure = "\(what) failed: \(url.text) \(error.description)"
            }
            let wait = backoff(attempt: attempt)
            let elapsed = SystemClock.now() - start
            guard retryable, attempt < configuration.maxAttempts, elapsed + wait + 1 < deadline else {
                let tries = attempt > 1 ? " (after \(attempt) attempts)" : ""
                throw HelperError(failure + tries, stsError: serviceFailure)
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
            let signer = SigV4Signer(
                credentials: credentials, region: configuration.signingRegion, service: "sts")
            headers += signer.sign(
                SigningRequest(method: "POST", path: url.path, query: "", headers: headers, body: bodyBytes),
                date: clock())
        }
        let request = HTTPRequest(method: "POST", url: url.text, headers: headers, body: bodyBytes)
        let options = TransportOptions(
            caBundle: configuration.caBundle, connectTimeout: min(connectTimeout, timeout),
            totalTimeout: max(timeout, 0.5))
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
enum FormEncoding {
    static func encode(_ pairs: [(String, String)]) -> String {
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
