import AWSQuery
import CredentialValues
import TextFormats

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The AWS console sign-in of a custom identity broker: temporary credentials go to the partition's
/// federation endpoint (`Action=getSigninToken`), whose sign-in token makes a one-use console URL
/// (`Action=login`). The pure parts (partition, URLs, the answer) live here so they can be tested
/// without the network.
package enum ConsoleSignIn {
    /// The AWS partitions with a console of their own.
    package enum Partition: String, Sendable, Equatable {
        case aws
        case china = "aws-cn"
        case govCloud = "aws-us-gov"

        package var federationEndpoint: String {
            switch self {
            case .aws: return "https://signin.aws.amazon.com/federation"
            case .china: return "https://signin.amazonaws.cn/federation"
            case .govCloud: return "https://signin.amazonaws-us-gov.com/federation"
            }
        }

        package var consoleURL: String {
            switch self {
            case .aws: return "https://console.aws.amazon.com/"
            case .china: return "https://console.amazonaws.cn/"
            case .govCloud: return "https://console.amazonaws-us-gov.com/"
            }
        }
    }

    /// The variable that replaces the federation endpoint (a proxy, or a local stand-in in tests).
    package static let endpointVariable = "AWSKEYRING_HELPER_FEDERATION_URL"

    /// The partition of a role's ARN (`arn:aws-cn:iam::...`) when there is one, else of the region.
    package static func partition(roleArn: String?, region: String?) -> Partition {
        if let roleArn, roleArn.hasPrefix("arn:") {
            let name = roleArn.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if name.count > 1, let partition = Partition(rawValue: String(name[1])) { return partition }
        }
        if let region {
            if region.hasPrefix("cn-") { return .china }
            if region.hasPrefix("us-gov-") { return .govCloud }
        }
        return .aws
    }

    /// The federation endpoint to use: `AWSKEYRING_HELPER_FEDERATION_URL`, else the partition's. The
    /// session's secret travels in the query, so plain http is refused except to loopback.
    package static func federationEndpoint(partition: Partition, environment: [String: String])
        throws(ConsoleError) -> String
    {
        guard let override = environment[endpointVariable], !override.isEmpty else {
            return partition.federationEndpoint
        }
        let url: EndpointURL
        do {
            url = try EndpointURL(override)
        } catch {
            throw .invalidFederationEndpoint(error)
        }
        if url.scheme == "http" && !url.isLoopback {
            throw .plainHTTPFederationEndpoint(variable: endpointVariable, value: override)
        }
        return url.text
    }

    /// The console page to land on: the partition's console home, in the profile's region when known.
    package static func defaultDestination(partition: Partition, region: String?) -> String {
        guard let region, STSConfiguration.isRegionName(region) else { return partition.consoleURL }
        return partition.consoleURL + "console/home?region=" + region
    }

    /// The `Session` parameter: the credentials as the federation endpoint names them.
    package static func sessionDocument(_ credentials: AWSCredentials) -> String {
        JSONValue.object([
            ("sessionId", .string(credentials.accessKeyId)),
            ("sessionKey", .string(credentials.secretAccessKey)),
            ("sessionToken", .string(credentials.sessionToken ?? "")),
        ]).text
    }

    /// The `getSigninToken` request. `sessionDuration` (900–43200 s) is for role sessions that were not
    /// assumed with role credentials; AWS refuses it otherwise, and a federation token's session lasts
    /// as long as the token.
    package static func signinTokenURL(endpoint: String, credentials: AWSCredentials, sessionDuration: Int?)
        -> String
    {
        var query: [(String, String)] = [("Action", "getSigninToken")]
        if let sessionDuration { query.append(("SessionDuration", String(sessionDuration))) }
        query.append(("Session", sessionDocument(credentials)))
        return endpoint + "?" + FormEncoding.encode(query)
    }

    /// The sign-in URL that opens the console at `destination`.
    package static func loginURL(endpoint: String, issuer: String, destination: String, signinToken: String)
        -> String
    {
        endpoint + "?"
            + FormEncoding.encode([
                ("Action", "login"), ("Issuer", issuer), ("Destination", destination),
                ("SigninToken", signinToken),
            ])
    }

    private struct SigninTokenDocument: Decodable {
        var signinToken: String?

        enum CodingKeys: String, CodingKey {
            case signinToken = "SigninToken"
        }
    }

    /// The token in the federation endpoint's answer (`{"SigninToken": "..."}`); nil when there is none.
    package static func signinToken(from body: [UInt8]) -> String? {
        guard let document = try? JSONDecoder().decode(SigninTokenDocument.self, from: Data(body)),
            let token = document.signinToken, !token.isEmpty,
            !token.contains(where: { $0.isWhitespace || $0.isNewline })
        else { return nil }
        return token
    }

    /// A federated user's name for GetFederationToken (2–32 of `[A-Za-z0-9+=,.@_-]`): the profile's
    /// name where it fits, so the console and CloudTrail show which profile signed in.
    package static func federatedUserName(profile: String) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-")
        let name = String(profile.filter { allowed.contains($0) }.prefix(32))
        return name.count >= 2 ? name : "awskeyring-helper"
    }

    /// The session policy for GetFederationToken. Without one the federated user may do nothing; this
    /// one allows everything, so the IAM user's own policies decide (a session's permissions are the
    /// intersection of both).
    package static let allowAllPolicy =
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#

    /// AWS's limits: SessionDuration of a role's console session, and GetFederationToken's duration.
    package static let roleSessionDurations = 900...43200
    package static let federationTokenDurations = 900...129_600
}
