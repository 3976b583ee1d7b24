import AWSConfigFile
import TestSupport
import Testing

@testable import AWSQuery

@Suite struct STSConfigurationTests {
    func configuration(
        _ config: String = "[profile p]\n", environment: [String: String] = [:]
    ) throws -> STSConfiguration {
        try STSConfiguration(profile: "p", files: try configFiles(config), environment: environment)
    }

    @Test func regionalEndpointByDefault() throws {
        let sts = try configuration("[profile p]\nregion = eu-west-1\n")
        #expect(sts.endpoint == "https://sts.eu-west-1.amazonaws.com")
        #expect(sts.signingRegion == "eu-west-1")
    }

    @Test func theEnvironmentRegionWins() throws {
        let sts = try configuration(
            "[profile p]\nregion = eu-west-1\n", environment: ["AWS_DEFAULT_REGION": "ap-south-2"])
        #expect(sts.endpoint == "https://sts.ap-south-2.amazonaws.com")
    }

    @Test func noRegionMeansTheGlobalEndpoint() throws {
        let sts = try configuration()
        #expect(sts.endpoint == "https://sts.amazonaws.com")
        #expect(sts.signingRegion == "us-east-1")
    }

    @Test func sessionsAreValidAcrossThePartitionOfARegionalEndpoint() throws {
        let scope = { (settings: String, environment: [String: String]) in
            try self.configuration("[profile p]\n" + settings, environment: environment).sessionScope
        }
        #expect(try scope("region = eu-west-1\n", [:]) == scope("region = us-east-1\n", [:]))
        #expect(try scope("region = eu-west-1\n", [:]) == "regional aws")
        #expect(try scope("region = cn-north-1\n", [:]) == "regional aws-cn")
        #expect(try scope("region = us-gov-west-1\n", [:]) == "regional aws-us-gov")
        #expect(try scope("region = us-isob-east-1\n", [:]) == "regional aws-iso-b")
        #expect(try scope("region = il-central-1\n", [:]) == "regional aws")
        // A partition not known here is not assumed to be the commercial one: its regions stand alone.
        #expect(try scope("region = eusc-de-east-1\n", [:]) == "regional region eusc-de-east-1")
        // The global endpoint's sessions are not valid in opt-in regions: kept apart.
        #expect(try scope("", [:]) == "global https://sts.amazonaws.com")
        #expect(try scope("region = eu-west-1\nsts_regional_endpoints = legacy\n", [:]) == scope("", [:]))
        // A configured endpoint stands for itself, whatever the region.
        let url = "http://127.0.0.1:4566"
        #expect(try scope("region = eu-west-1\n", ["AWS_ENDPOINT_URL": url]) == "endpoint " + url)
        #expect(try scope("region = eu-west-1\n", ["AWS_ENDPOINT_URL_STS": url + "/"]) != "endpoint " + url)
    }

    @Test func legacyModeSendsListedRegionsToTheGlobalEndpoint() throws {
        let legacy = try configuration("[profile p]\nregion = eu-west-1\nsts_regional_endpoints = legacy\n")
        #expect(legacy.endpoint == "https://sts.amazonaws.com")
        #expect(legacy.signingRegion == "us-east-1")
        let unlisted = try configuration(
            "[profile p]\nregion = ap-east-1\n", environment: ["AWS_STS_REGIONAL_ENDPOINTS": "legacy"])
        #expect(unlisted.endpoint == "https://sts.ap-east-1.amazonaws.com")
    }

    @Test func chinaRegionsUseTheirDomain() throws {
        #expect(
            try configuration("[profile p]\nregion = cn-north-1\n").endpoint
                == "https://sts.cn-north-1.amazonaws.com.cn")
    }

    @Test func configuredEndpointsInTheSDKsOrder() throws {
        let config = """
            [profile p]
            region = eu-west-1
            services = local
            endpoint_url = https://profile.example
            [services local]
            sts =
              endpoint_url = https://services.example
            """
        let all = [
            "AWS_ENDPOINT_URL_STS": "https://sts-env.example",
            "AWS_ENDPOINT_URL": "https://global-env.example",
        ]
        #expect(try configuration(config, environment: all).endpoint == "https://sts-env.example")
        #expect(
            try configuration(config, environment: ["AWS_ENDPOINT_URL": "https://global-env.example"])
                .endpoint == "https://global-env.example")
        #expect(try configuration(config).endpoint == "https://services.example")
        #expect(try configuration(config).signingRegion == "eu-west-1")
        let withoutServices = config.replacingOccurrences(of: "services = local\n", with: "")
        #expect(try configuration(withoutServices).endpoint == "https://profile.example")
        #expect(
            try configuration(config, environment: ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]).endpoint
                == "https://sts.eu-west-1.amazonaws.com")
    }

    @Test func retriesAndTrustStore() throws {
        let sts = try configuration(
            "[profile p]\nmax_attempts = 7\nretry_mode = legacy\nca_bundle = ~/ca.pem\n",
            environment: ["HOME": "/home/me"])
        #expect(sts.maxAttempts == 7)
        #expect(sts.retryMode == .legacy)
        #expect(sts.caBundle == "/home/me/ca.pem")
        let fromEnvironment = try configuration(
            "[profile p]\nmax_attempts = 7\n",
            environment: ["AWS_MAX_ATTEMPTS": "2", "AWS_CA_BUNDLE": "/ca.pem"])
        #expect(fromEnvironment.maxAttempts == 2)
        #expect(fromEnvironment.caBundle == "/ca.pem")
        #expect(try configuration().maxAttempts == 3)
    }

    @Test(
        arguments: [
            ("[profile p]\nregion = EU west\n", ConfigError.invalidRegion("EU west")),
            (
                "[profile p]\nsts_regional_endpoints = sometimes\n",
                .invalidValue(
                    name: "sts_regional_endpoints", value: "sometimes", expected: "'regional' or 'legacy'")
            ),
            (
                "[profile p]\nmax_attempts = lots\n",
                .invalidValue(name: "max_attempts", value: "lots", expected: "a whole number from 1 to 20")
            ),
            (
                "[profile p]\nretry_mode = eager\n",
                .invalidValue(
                    name: "retry_mode", value: "eager", expected: "'standard', 'legacy' or 'adaptive'")
            ),
            ("[profile p]\nservices = missing\n", .missingServicesSection("missing")),
        ] as [(String, ConfigError)])
    func badSettingsAreClearErrors(config: String, expected: ConfigError) throws {
        #expect(throws: expected) { try configuration(config) }
    }

    @Test func settingErrorsSayWhatTheValueMustBe() {
        #expect(
            ConfigError.invalidValue(
                name: "max_attempts", value: "lots", expected: "a whole number from 1 to 20"
            )
            .description == "max_attempts = lots must be a whole number from 1 to 20")
        #expect(
            ConfigError.invalidRegion("EU west").description
                == "'EU west' is not an AWS region name (such as eu-west-1); check region / AWS_DEFAULT_REGION"
        )
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
