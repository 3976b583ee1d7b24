import AWSConfigFile
import AWSXML
import CredentialValues
import TextFormats

/// Where IAM is called for a profile. IAM is a global service: one endpoint per partition, signed for
/// that partition's home region, unless the SDKs' endpoint settings name another.
package struct IAMConfiguration: QueryEndpointConfiguration, Equatable {
    package var endpoint: String
    package var signingRegion: String
    /// Where the endpoint came from, for messages.
    package var endpointSource: String
    package var caBundle: String?
    package var maxAttempts: Int
    package var proxies: ProxyEnvironment

    static let globalEndpoint = "https://iam.amazonaws.com"

    /// - Parameter sts: the same profile's STS configuration, whose trust store and retry settings
    ///   apply to IAM as well (they are per profile, not per service).
    package init(
        profile: String, files: AWSConfigFiles, environment: [String: String], sts: STSConfiguration
    ) throws(ConfigError) {
        let settings = files.profiles[profile] ?? [:]
        caBundle = sts.caBundle
        maxAttempts = sts.maxAttempts
        proxies = sts.proxies
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

    package init(
        endpoint: String, signingRegion: String = "us-east-1", caBundle: String? = nil, maxAttempts: Int = 3
    ) {
        self.endpoint = endpoint
        self.signingRegion = signingRegion
        self.endpointSource = "given"
        self.caBundle = caBundle
        self.maxAttempts = maxAttempts
        self.proxies = ProxyEnvironment([:])
    }
}

/// The IAM calls `rotate` makes, over the query protocol (API version 2010-05-08), signed with the keys
/// of the IAM user whose access keys they manage.
package struct IAMClient: Sendable {
    let queryClient: AWSQueryClient

    /// - Parameter connection: as for STS; `doctor` shortens the time limits.
    package init(configuration: IAMConfiguration, connection: QueryConnection) {
        queryClient = AWSQueryClient(service: .iam, configuration: configuration, connection: connection)
    }

    /// The access keys of the user the credentials belong to (IAM allows two per user).
    /// - Throws: `AWSQueryError`, or `IAMResponseError` for an answer that cannot be read.
    package func listAccessKeys(with credentials: AWSCredentials) throws -> [IAMAccessKey] {
        let body = try queryClient.call(
            "ListAccessKeys", [], credentials: credentials, describing: "IAM ListAccessKeys")
        return try IAMResponse.accessKeys(from: body)
    }

    /// A new access key for the user the credentials belong to.
    /// - Throws: `AWSQueryError`, or `IAMResponseError` for an answer that cannot be read (a new key may
    ///   have been created all the same).
    package func createAccessKey(with credentials: AWSCredentials) throws -> LongLivedKeys {
        let body = try queryClient.call(
            "CreateAccessKey", [], credentials: credentials, describing: "IAM CreateAccessKey")
        return try IAMResponse.accessKey(from: body)
    }

    /// Deletes the access key `accessKeyId` of the user the credentials belong to.
    package func deleteAccessKey(_ accessKeyId: String, with credentials: AWSCredentials)
        throws(AWSQueryError)
    {
        _ = try queryClient.call(
            "DeleteAccessKey", [("AccessKeyId", accessKeyId)], credentials: credentials,
            describing: "IAM DeleteAccessKey \(accessKeyId)")
    }
}

/// One access key of an IAM user, as ListAccessKeys describes it (never its secret).
package struct IAMAccessKey: Sendable, Equatable {
    package var accessKeyId: String
    package var userName: String
    /// `Active` or `Inactive`.
    package var status: String
    /// When it was created, as IAM writes it (ISO 8601).
    package var createDate: String

    package init(accessKeyId: String, userName: String, status: String, createDate: String) {
        self.accessKeyId = accessKeyId
        self.userName = userName
        self.status = status
        self.createDate = createDate
    }
}

/// Reading IAM's XML answers.
enum IAMResponse {
    /// The element `ACTIONResponse/ACTIONResult/ELEMENT` of an action's answer.
    private static func resultElement(
        _ body: [UInt8], action: IAMResponseError.Action, element: String
    ) throws(IAMResponseError) -> XMLElement {
        let root: XMLElement
        do {
            root = try XMLReader.parse(body)
        } catch {
            throw IAMResponseError(action: action, reason: "not a well-formed XML document (\(error))")
        }
        guard root.localName == action.rawValue + "Response",
            let result = root.children(named: action.rawValue + "Result").first,
            let found = result.children(named: element).first
        else {
            throw IAMResponseError(action: action, reason: "the document is not a \(action.rawValue)Response")
        }
        return found
    }

    /// The `member`s of `ListAccessKeysResponse/ListAccessKeysResult/AccessKeyMetadata`.
    static func accessKeys(from body: [UInt8]) throws(IAMResponseError) -> [IAMAccessKey] {
        let metadata = try resultElement(body, action: .listAccessKeys, element: "AccessKeyMetadata")
        var keys: [IAMAccessKey] = []
        for member in metadata.children(named: "member") {
            func value(_ name: String) -> String {
                member.children(named: name).first.map { ASCIIText.trimmed($0.text) } ?? ""
            }
            let id = value("AccessKeyId")
            guard !id.isEmpty else {
                throw IAMResponseError(
                    action: .listAccessKeys, reason: "an access key without an AccessKeyId")
            }
            keys.append(
                IAMAccessKey(
                    accessKeyId: id, userName: value("UserName"), status: value("Status"),
                    createDate: value("CreateDate")))
        }
        return keys
    }

    /// The pair in `CreateAccessKeyResponse/CreateAccessKeyResult/AccessKey`.
    static func accessKey(from body: [UInt8]) throws(IAMResponseError) -> LongLivedKeys {
        let key = try resultElement(body, action: .createAccessKey, element: "AccessKey")
        func value(_ name: String) throws(IAMResponseError) -> String {
            guard let element = key.children(named: name).first, element.children.isEmpty else {
                throw IAMResponseError(action: .createAccessKey, reason: "AccessKey has no \(name)")
            }
            return ASCIIText.trimmed(element.text)
        }
        let id = try value("AccessKeyId")
        let secret = try value("SecretAccessKey")
        do {
            return try LongLivedKeys(accessKeyId: id, secretAccessKey: secret)
        } catch {
            throw IAMResponseError(
                action: .createAccessKey, reason: "the new key pair does not have the shape AWS keys have")
        }
    }
}
