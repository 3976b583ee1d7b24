/// One value of a config-file option, as botocore sees it: a plain string, or, when the value starts on
/// the line after `=`, a one-level map of `key = value` lines (such as an `s3 =` block).
public enum ConfigValue: Sendable, Equatable, Hashable {
    case string(String)
    case nested([String: String])

    /// The plain string, or nil for a nested block.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

/// The options of one profile (or `services` / `sso-session` section), keyed by lower-cased name.
public typealias ConfigSettings = [String: ConfigValue]
