/// A configuration that cannot be used: a file that cannot be read or parsed, or a setting whose value
/// is not one the SDKs accept. Messages name the setting (or variable) and what it must be.
package enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config or credentials file cannot be read or parsed.
    case unusableFile(ConfigFileError)
    /// `region` / `AWS_DEFAULT_REGION` is not a region name.
    case invalidRegion(String)
    /// `name` (a setting or an environment variable) has a value outside what it accepts; `expected`
    /// completes "must be ...".
    case invalidValue(name: String, value: String, expected: String)
    /// A profile's own setting has a value outside what it accepts.
    case invalidProfileValue(profile: String, name: String, value: String, expected: String)
    /// `services = NAME` names no `[services NAME]` section.
    case missingServicesSection(String)
    /// A profile's `credential_process` cannot be split into words (shell rules).
    case unsplittableCredentialProcess(profile: String)

    package var description: String {
        switch self {
        case .unusableFile(let error): return "cannot use \(error.description)"
        case .invalidRegion(let region):
            return
                "'\(region)' is not an AWS region name (such as eu-west-1); check region / AWS_DEFAULT_REGION"
        case .invalidValue(let name, let value, let expected): return "\(name) = \(value) must be \(expected)"
        case .invalidProfileValue(let profile, let name, let value, let expected):
            return "profile '\(profile)': \(name) = \(value) must be \(expected)"
        case .missingServicesSection(let name):
            return "the profile names services = \(name), but there is no [services \(name)] section"
        case .unsplittableCredentialProcess(let profile):
            return "profile '\(profile)': credential_process has an unclosed quote or a trailing backslash"
        }
    }
}
