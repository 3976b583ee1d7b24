/// An endpoint URL (`endpoint_url`, `AWS_ENDPOINT_URL*`, a container credentials URL...) that is not
/// one this tool can send to.
package struct EndpointURLError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Problem: Sendable, Equatable {
        case notHTTP
        case queryOrFragment
        case userInformation
        case unclosedIPv6Address
        case badPort
        case malformed
        case noHost
    }

    package var url: String
    package var problem: Problem

    package init(url: String, problem: Problem) {
        self.url = url
        self.problem = problem
    }

    package var description: String {
        let why: String
        switch problem {
        case .notHTTP: why = "is not an http:// or https:// URL"
        case .queryOrFragment: why = "has a query or fragment"
        case .userInformation: why = "holds user information"
        case .unclosedIPv6Address: why = "has an unclosed IPv6 address"
        case .badPort: why = "has a bad port"
        case .malformed: why = "is malformed"
        case .noHost: why = "has no host"
        }
        return "the endpoint URL '\(url)' \(why); it should look like https://sts.eu-west-1.amazonaws.com"
    }
}
