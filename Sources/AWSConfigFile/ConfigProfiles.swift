#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Named settings of the config files (profiles, sso-sessions or services), looked up by name. Built
/// from a `ConfigFileIndex`, a lookup builds the settings of the one section it needs; only listing
/// everything (`keys`, `values`, iterating) touches every section.
package struct ConfigProfiles: Sendable, Equatable, Sequence, CustomStringConvertible {
    enum Source: Sendable {
        /// `full_config['profiles']`: the config file's profile with the credentials file's of the same
        /// name laid over it.
        case merged
        case configFile(ConfigFileIndex.Kind)
        case credentialsFile
    }

    private enum Storage: Sendable {
        case dictionary([String: ConfigSettings])
        case indexed(config: ConfigFileIndex?, credentials: ConfigFileIndex?, source: Source, built: Built)
    }

    /// The settings built so far, by name (nil: no such name): commands look the same profiles up many
    /// times, and `doctor` every profile.
    private final class Built: @unchecked Sendable {
        // Guarded by `mutex`.
        private var settings: [String: ConfigSettings?] = [:]
        private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

        init() { pthread_mutex_init(mutex, nil) }

        deinit {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
        }

        /// The settings of a name built before: `.some(nil)` when it has none, nil when not built yet.
        func known(_ name: String) -> ConfigSettings?? {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return settings[name]
        }

        func settings(_ name: String, build: () -> ConfigSettings?) -> ConfigSettings? {
            pthread_mutex_lock(mutex)
            let known = settings[name]
            pthread_mutex_unlock(mutex)
            if let known { return known }
            let made = build()
            pthread_mutex_lock(mutex)
            settings[name] = .some(made)
            pthread_mutex_unlock(mutex)
            return made
        }
    }

    private let storage: Storage

    package init(_ dictionary: [String: ConfigSettings]) {
        storage = .dictionary(dictionary)
    }

    init(config: ConfigFileIndex?, credentials: ConfigFileIndex?, source: Source) {
        storage = .indexed(config: config, credentials: credentials, source: source, built: Built())
    }

    package subscript(name: String) -> ConfigSettings? {
        switch storage {
        case .dictionary(let dictionary):
            return dictionary[name]
        case .indexed(let config, let credentials, let source, let built):
            // A name looked up before (or one equal to it as Swift compares strings) is answered at once.
            if let known = built.known(name) { return known }
            // Keys are ASCII here; a name outside ASCII may still equal one as Swift compares strings.
            if !name.utf8.allSatisfy({ $0 < 0x80 }) {
                guard let key = keys.first(where: { $0 == name }) else { return nil }
                return self[key]
            }
            return built.settings(name) {
                Self.build(name, config: config, credentials: credentials, source: source)
            }
        }
    }

    private static func build(
        _ name: String, config: ConfigFileIndex?, credentials: ConfigFileIndex?, source: Source
    ) -> ConfigSettings? {
        switch source {
        case .configFile(let kind):
            return config.flatMap { index in index.section(kind: kind, key: name).map(index.settings) }
        case .credentialsFile:
            return credentials.flatMap { index in index.section(named: name).map(index.settings) }
        case .merged:
            let fromConfig = config.flatMap { index in
                index.section(kind: .profile, key: name).map(index.settings)
            }
            guard
                let fromCredentials = credentials.flatMap({ index in
                    index.section(named: name).map(index.settings)
                })
            else { return fromConfig }
            return (fromConfig ?? [:]).merging(fromCredentials) { _, new in new }
        }
    }

    /// Every name, each once, in no particular order.
    package var keys: [String] {
        switch storage {
        case .dictionary(let dictionary):
            return Array(dictionary.keys)
        case .indexed(let config, let credentials, let source, _):
            var names = Set<String>()
            switch source {
            case .configFile(let kind):
                if let config { names = config.keys(of: kind) }
            case .credentialsFile:
                if let credentials { names = Self.sectionNames(credentials) }
            case .merged:
                if let config { names = config.keys(of: .profile) }
                if let credentials { names.formUnion(Self.sectionNames(credentials)) }
            }
            return Array(names)
        }
    }

    package var values: [ConfigSettings] { dictionary.map(\.value) }

    package var count: Int { keys.count }

    package var isEmpty: Bool { keys.isEmpty }

    /// All of it as a dictionary.
    package var dictionary: [String: ConfigSettings] {
        if case .dictionary(let dictionary) = storage { return dictionary }
        var result: [String: ConfigSettings] = [:]
        for name in keys { result[name] = self[name] }
        return result
    }

    package func makeIterator() -> [String: ConfigSettings].Iterator { dictionary.makeIterator() }

    package var description: String { dictionary.description }

    package static func == (lhs: ConfigProfiles, rhs: ConfigProfiles) -> Bool {
        lhs.dictionary == rhs.dictionary
    }

    package static func == (lhs: ConfigProfiles, rhs: [String: ConfigSettings]) -> Bool {
        lhs.dictionary == rhs
    }

    private static func sectionNames(_ index: ConfigFileIndex) -> Set<String> {
        Set(index.sections.indices.map(index.name(of:)))
    }
}
