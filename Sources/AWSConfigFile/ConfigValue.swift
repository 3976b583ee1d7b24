/// One value of a config-file option, as botocore sees it: a plain string, or, when the value starts on
/// the line after `=`, a one-level map of `key = value` lines (such as an `s3 =` block).
package enum ConfigValue: Sendable, Equatable, Hashable {
    case string(String)
    case nested([String: String])

    /// The plain string, or nil for a nested block.
    package var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

/// The options of one profile (or `services` / `sso-session` section), keyed by lower-cased name.
package typealias ConfigSettings = [String: ConfigValue]

extension ConfigSettings {
    /// A plain, non-empty string setting.
    package func value(_ key: String) -> String? {
        guard case .string(let value)? = self[key], !value.isEmpty else { return nil }
        return value
    }
}
