import AWSConfigFile

/// Where and how STS is called for a profile: the endpoint and signing region, trust store and retries,
/// from the environment and the profile's settings in the SDKs' order of precedence.
package struct STSConfiguration: QueryEndpointConfiguration, Equatable {
    package var endpoint: String
    package var signingRegion: String
    /// Where the endpoint came from, for `explain`.
    package var endpointSource: String
    /// Where the sessions this endpoint issues are valid, which names them in the cache: a regional
    /// endpoint's sessions are valid in every region of its partition, so profiles in different regions
    /// share one MFA session (one code) and one session per role; the global endpoint's sessions are
    /// not valid in the regions an account opts into, so they are kept apart; a configured endpoint
    /// stands for itself.
    package var sessionScope: String
    package var caBundle: String?
    package var maxAttempts: Int
    package var retryMode: RetryMode
    /// The proxy variables of the environment (https endpoints follow them, as in the SDKs).
    package var proxies: ProxyEnvironment

    /// The SDKs' `retry_mode`. Every mode retries as standard mode does here; legacy only allows more
    /// attempts by default.
    package enum RetryMode: String, Sendable {
        case standard, legacy, adaptive
    }

    /// Regions that `sts_regional_endpoints = legacy` sends to the global endpoint.
    static let legacyGlobalRegions: Set<String> = [
        "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
        "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1",
        "us-east-2", "us-west-1", "us-west-2",
    ]
    static let globalEndpoint = "https://sts.amazonaws.com"

    /// - Parameters:
    ///   - profile: the profile the SDK asked for (the top of the chain); its settings apply to every
    ///     STS call of the chain, as in botocore.
    ///   - proxies: the environment's proxy variables when already read (nil: read them here).
    package init(
        profile: String, files: AWSConfigFiles, environment: [String: String],
        proxies: ProxyEnvironment? = nil
    ) throws(ConfigError) {
        let settings = files.profiles[profile] ?? [:]
        func setting(_ variable: String, _ key: String) -> String? {
            if let value = environment[variable], !value.isEmpty { return value }
            return settings.value(key)
        }

        let region = setting("AWS_DEFAULT_REGION", "region")
        if let region, !Self.isRegionName(region) {
            throw .invalidRegion(region)
        }

        if let configured = try Self.configuredEndpoint(
            settings: settings, files: files, environment: environment)
        {
            endpoint = configured.url
            endpointSource = configured.source
            sessionScope = "endpoint " + configured.url
            signingRegion = region.flatMap { $0 == "aws-global" ? nil : $0 } ?? "us-east-1"
        } else {
            let mode = setting("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints") ?? "regional"
            guard mode == "regional" || mode == "legacy" else {
                throw .invalidValue(
                    name: "sts_regional_endpoints", value: mode, expected: "'regional' or 'legacy'")
            }
            if let region, region != "aws-global",
                !(mode == "legacy" && Self.legacyGlobalRegions.contains(region))
            {
                let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
                endpoint = "https://sts.\(region).\(domain)"
                signingRegion = region
                endpointSource = "regional endpoint for \(region) (sts_regional_endpoints = \(mode))"
                sessionScope = "regional " + Self.partition(ofRegion: region)
            } else {
                endpoint = Self.globalEndpoint
                signingRegion = "us-east-1"
                sessionScope = "global " + Self.globalEndpoint
                endpointSource =
                    region == nil
                    ? "global endpoint (no region configured)"
                    : "global endpoint (sts_regional_endpoints = legacy)"
            }
        }

        caBundle = setting("AWS_CA_BUNDLE", "ca_bundle").map { Self.expandHome($0, environment: environment) }
        self.proxies = proxies ?? ProxyEnvironment(environment)
        let mode = setting("AWS_RETRY_MODE", "retry_mode") ?? RetryMode.standard.rawValue
        guard let retryMode = RetryMode(rawValue: mode) else {
            throw .invalidValue(
                name: "retry_mode", value: mode, expected: "'standard', 'legacy' or 'adaptive'")
        }
        self.retryMode = retryMode
        if let text = setting("AWS_MAX_ATTEMPTS", "max_attempts") {
            guard let attempts = Int(text), attempts >= 1, attempts <= 20 else {
                throw .invalidValue(
                    name: "max_attempts", value: text, expected: "a whole number from 1 to 20")
            }
            maxAttempts = attempts
        } else {
            maxAttempts = retryMode == .legacy ? 5 : 3
        }
    }

    /// The SDKs' configured endpoint URL for a service (`sts`, `iam`), in their order:
    /// `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the service's block of the profile's
    /// `[services NAME]` section, then the profile's `endpoint_url`.
    static func configuredEndpoint(
        service: String = "sts", settings: ConfigSettings, files: AWSConfigFiles,
        environment: [String: String]
    ) throws(ConfigError) -> (url: String, source: String)? {
        let ignore =
            environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"].map { $0.lowercased() == "true" }
            ?? (settings.value("ignore_configured_endpoint_urls")?.lowercased() == "true")
        if ignore { return nil }
        let variable = "AWS_ENDPOINT_URL_\(service.uppercased())"
        if let url = environment[variable], !url.isEmpty {
            return (url, variable)
        }
        if let url = environment["AWS_ENDPOINT_URL"], !url.isEmpty {
            return (url, "AWS_ENDPOINT_URL")
        }
        if let sectionName = settings.value("services") {
            guard let section = files.services[sectionName] else {
                throw .missingServicesSection(sectionName)
            }
            if case .nested(let block)? = section[service], let url = block["endpoint_url"], !url.isEmpty {
                return (url, "[services \(sectionName)] \(service) endpoint_url")
            }
        }
        if let url = settings.value("endpoint_url") {
            return (url, "endpoint_url of the profile")
        }
        return nil
    }

    /// The AWS partition a region belongs to: its sessions are valid in every region of it and in no
    /// other. A region of a partition not known here (a new sovereign cloud, say) stands alone, so no
    /// session is shared into a partition where it is not valid.
    static func partition(ofRegion region: String) -> String {
        let partitions = [
            ("us-gov-", "aws-us-gov"), ("cn-", "aws-cn"), ("us-isob-", "aws-iso-b"),
            ("us-isof-", "aws-iso-f"),
            ("us-iso-", "aws-iso"), ("eu-isoe-", "aws-iso-e"),
        ]
        if let (_, name) = partitions.first(where: { region.hasPrefix($0.0) }) { return name }
        let commercial = ["us-", "eu-", "ap-", "ca-", "sa-", "me-", "af-", "il-", "mx-"]
        return commercial.contains { region.hasPrefix($0) } ? "aws" : "region " + region
    }

    package static func isRegionName(_ region: String) -> Bool {
        !region.isEmpty && region.count <= 64
            && region.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
            }
    }

    static func expandHome(_ path: String, environment: [String: String]) -> String {
        guard path.hasPrefix("~/"), let home = environment["HOME"] else { return path }
        return home + path.dropFirst()
    }
}
