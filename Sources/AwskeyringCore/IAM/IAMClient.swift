/// Where IAM is called for a profile. IAM is a global service: one endpoint per partition, signed for
/// that partition's home region, unless the SDKs' endpoint settings name another.
public struct IAMConfiguration: Sendable, Equatable {
    public var endpoint: String
    public var signingRegion: String
    /// Where the endpoint came from, for messages.
    public var endpointSource: String
    public var caBundle: String?
    public var maxAttempts: Int

    static let globalEndpoint = "https://iam.amazonaws.com"

    /// - Parameter sts: the same profile's STS configuration, whose trust store and retry settings
    ///   apply to IAM as well (they are per profile, not per service).
    public init(
        profile: String, files: AWSConfigFiles, environment: [String: String], sts: STSConfiguration
    ) throws(HelperError) {
        let settings = files.profiles[profile] ?? [:]
        caBundle = sts.caBundle
        maxAttempts = sts.maxAttempts
        let region =
            environment["AWS_DEFAULT_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? settings.value("region")
        let isChina = region?.hasPrefix("cn-") == true
        signingRegion = isChina ? "cn-north-1" : "us-east-1"
        if let configured = try STSConfiguration.configuredEndpoint(
            service: "iam", settings: settings, files: files, environment: environment)
        {
            endpoint = configured.url
            endpointSource = configured.source
        } else if isChina {
            endpoint = "https://iam.cn-north-1.amazonaws.com.cn"
            endpointSource = "global endpoint of the aws-cn partition"
        } else {
            endpoint = Self.globalEndpoint
            endpointSource = "global endpoint"
        }
    }

    public init(
        endpoint: String, signingRegion: String = "us-east-1", caBundle: String? = nil, maxAttempts: Int = 3
    ) {
        self.endpoint = endpoint
        self.signingRegion = signingRegion
        self.endpointSource = "given"
        self.caBundle = caBundle
        self.maxAttempts = maxAttempts
    }
}

/// The IAM calls `rotate` makes, over the query protocol (API version 2010-05-08), signed with the keys
/// of the IAM user whose access keys they manage.
public struct IAMClient: Sendable {
    public var configuration: IAMConfiguration
    public var transport: any HTTPTransport
    public var clock: @Sendable () -> Int
    public var sleep: @Sendable (Double) -> Void
    public var random: @Sendable () -> Double

    public init(
        configuration: IAMConfiguration,
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

    var queryClient: AWSQueryClient {
        AWSQueryClient(
            serviceName: "IAM", signingName: "iam", apiVersion: "2010-05-08",
            endpoint: configuration.endpoint,
            signingRegion: configuration.signingRegion, caBundle: configuration.caBundle,
            maxAttempts: configuration.maxAttempts, transport: transport, clock: clock, sleep: sleep,
            random: random, deadline: 15, connectTimeout: 3, attemptTimeout: 6)
    }

    /// A new access key for the user the credentials belong to.
    public func createAccessKey(with credentials: AWSCredentials) throws(HelperError) -> LongLivedKeys {
        let body = try queryClient.call(
            "CreateAccessKey", [], credentials: credentials, describing: "IAM CreateAccessKey")
        do throws(STSResponseError) {
            return try IAMResponse.accessKey(from: body)
        } catch {
            throw HelperError(
                """
                IAM CreateAccessKey sent a response that could not be read (\(error.reason)); a new key may \
                have been created: check with 'aws iam list-access-keys'
                """)
        }
    }

    /// Deletes the access key `accessKeyId` of the user the credentials belong to.
    public func deleteAccessKey(_ accessKeyId: String, with credentials: AWSCredentials) throws(HelperError) {
        _ = try queryClient.call(
            "DeleteAccessKey", [("AccessKeyId", accessKeyId)], credentials: credentials,
            describing: "IAM DeleteAccessKey \(accessKeyId)")
    }
}

/// Reading IAM's XML answers.
enum IAMResponse {
    /// The pair in `CreateAccessKeyResponse/CreateAccessKeyResult/AccessKey`.
    static func accessKey(from body: [UInt8]) throws(STSResponseError) -> LongLivedKeys {
        let root: XMLElement
        do {
            root = try XMLReader.parse(body)
        } catch {
            throw STSResponseError(reason: "not a well-formed XML document (\(error))")
        }
        guard root.localName == "CreateAccessKeyResponse",
            let result = root.children(named: "CreateAccessKeyResult").first,
            let key = result.children(named: "AccessKey").first
        else { throw STSResponseError(reason: "the document is not a CreateAccessKeyResponse") }
        func value(_ name: String) throws(STSResponseError) -> String {
            guard let element = key.children(named: name).first, element.children.isEmpty else {
                throw STSResponseError(reason: "AccessKey has no \(name)")
            }
            return ASCIIText.trimmed(element.text)
        }
        let id = try value("AccessKeyId")
        let secret = try value("SecretAccessKey")
        do {
            return try LongLivedKeys(accessKeyId: id, secretAccessKey: secret)
        } catch {
            throw STSResponseError(reason: "the new key pair does not have the shape AWS keys have")
        }
    }
}
