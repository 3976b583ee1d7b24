import AWSConfigFile
import CredentialResolution
import CredentialValues
import KeyringItems
import SystemAccess
import TextFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `import`: moves long-lived keys written in plain text in a credentials file into the keyring, profile
/// by profile, and (when asked) rewrites the file without them, after a private backup.
package struct KeyImport {
    package var keyring: CredentialKeyring
    /// Where the report for the person goes (stderr).
    package var diagnostics: (String) -> Void
    /// The time, for the backup's name.
    package var clock: any TimeSource
    package var readFile: (String) throws(ConfigFileError) -> [UInt8]?
    /// Makes the profiles whose keys the keyring now holds reachable by the AWS CLI and SDKs (adds
    /// their `credential_process`); nil leaves the config file alone.
    package var configureProfiles: (([String]) -> Void)?

    package init(
        keyring: CredentialKeyring, diagnostics: @escaping (String) -> Void,
        clock: any TimeSource,
        readFile: @escaping (String) throws(ConfigFileError) -> [UInt8]? = ConfigFileAccess.readFile(atPath:)
    ) {
        self.keyring = keyring
        self.diagnostics = diagnostics
        self.clock = clock
        self.readFile = readFile
    }

    /// What happened to each profile.
    package struct Report: Sendable, Equatable {
        package var imported: [String] = []
        /// The same pair was already stored: nothing to do, and safe to remove from the file.
        package var alreadyStored: [String] = []
        /// Profile → why it was left alone.
        package var skipped: [(profile: String, reason: String)] = []
        package var backupPath: String?
        /// The file rewritten without the keys: the credentials file, or the file its link points to.
        package var rewrittenPath: String?

        package static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.imported == rhs.imported && lhs.alreadyStored == rhs.alreadyStored
                && lhs.skipped.elementsEqual(rhs.skipped) { $0 == $1 } && lhs.backupPath == rhs.backupPath
                && lhs.rewrittenPath == rhs.rewrittenPath
        }
    }

    /// What an import does besides storing keys the keyring does not hold yet.
    package struct Options: Sendable, Equatable {
        /// Whether other keys already stored for a profile are replaced (`--force`) or the profile is
        /// skipped.
        package var replaceStoredKeys: Bool
        /// What becomes of the key lines in the file.
        package var file: FileChange

        package enum FileChange: Sendable, Equatable {
            /// The file is left as it is (the person is told the keys are still there).
            case keep
            /// The imported keys are removed from the file (`--remove-from-file`), after a private
            /// backup of the previous file unless `backup` is false (`--no-backup`).
            case removeKeys(backup: Bool)
        }

        package init(replaceStoredKeys: Bool = false, file: FileChange = .keep) {
            self.replaceStoredKeys = replaceStoredKeys
            self.file = file
        }
    }

    /// Imports the key pairs of `profiles` (all profiles with a key pair when empty) from the file at
    /// `path`. Throws when nothing could be read, or when some profile was skipped (after doing the rest
    /// and reporting it).
    @discardableResult
    package func run(path: String, displayPath: String, profiles: [String], options: Options = Options())
        throws -> Report
    {
        guard let bytes = try read(path) else {
            throw ImportError.noFile(displayPath: displayPath)
        }
        let sections: [ConfigSection]
        do {
            sections = try ConfigFileParser.sections(of: bytes, path: displayPath)
        } catch {
            throw ImportError.unparsable(error)
        }
        let editor = CredentialsFileEditor(bytes: bytes)
        var report = Report()
        let candidates = try candidates(
            sections, editor: editor, profiles: profiles, displayPath: displayPath)
        var removable: Set<String> = []
        for section in candidates {
            let askedFor = !profiles.isEmpty
            if try importKeys(
                of: section, editor: editor, askedFor: askedFor, options: options, report: &report)
            {
                removable.insert(section.name)
            }
        }
        tell(report)

        switch options.file {
        case .removeKeys(let backup) where !removable.isEmpty:
            try rewrite(
                path: path, displayPath: displayPath, original: bytes,
                without: editor.removingKeys(of: removable), profiles: removable, keepBackup: backup,
                report: &report)
        case .keep where !removable.isEmpty:
            diagnostics(
                """
                The keys are still written in \(displayPath), and SDKs prefer them there: delete them, or run \
                import again with --remove-from-file.
                """)
        default:
            break
        }
        if let configureProfiles {
            let stored = report.imported + report.alreadyStored
            if !stored.isEmpty { configureProfiles(stored) }
        }
        if !report.skipped.isEmpty {
            throw ImportError.skipped(report.skipped.map(\.profile))
        }
        return report
    }

    /// The sections to import: those named (each must exist), or every section writing its own key
    /// pair (there must be one).
    private func candidates(
        _ sections: [ConfigSection], editor: CredentialsFileEditor, profiles: [String], displayPath: String
    ) throws(ImportError) -> [ConfigSection] {
        if profiles.isEmpty {
            let candidates = sections.filter { editor.hasOwnKeyPair(section: $0.name) }
            guard !candidates.isEmpty else {
                throw .noKeyPairs(displayPath: displayPath)
            }
            return candidates
        }
        var candidates: [ConfigSection] = []
        for name in profiles {
            guard let section = sections.first(where: { $0.name == name }) else {
                throw .noSuchProfile(name, displayPath: displayPath)
            }
            candidates.append(section)
        }
        return candidates
    }

    /// Stores one section's key pair, noting in `report` what happened; true when the keyring now holds
    /// that pair, so its lines may go from the file. `askedFor`: the profile was named, so leaving it
    /// is a failure rather than a note.
    private func importKeys(
        of section: ConfigSection, editor: CredentialsFileEditor, askedFor: Bool, options: Options,
        report: inout Report
    ) throws -> Bool {
        let name = section.name
        if !editor.hasOwnKeyPair(section: name) {
            let inherited = section.settings.value("aws_access_key_id") != nil
            report.skipped.append(
                (
                    name,
                    inherited
                        ? "its keys come from [DEFAULT]"
                        : "it has no aws_access_key_id and aws_secret_access_key"
                ))
            return false
        }
        if section.settings.value("aws_session_token") != nil {
            let reason = "it has an aws_session_token: temporary keys are not imported"
            if askedFor {
                report.skipped.append((name, reason))
            } else {
                diagnostics("Left profile '\(name)' alone: \(reason).")
            }
            return false
        }
        let keys: LongLivedKeys
        do {
            keys = try LongLivedKeys(
                accessKeyId: section.settings.value("aws_access_key_id") ?? "",
                secretAccessKey: section.settings.value("aws_secret_access_key") ?? "")
        } catch {
            report.skipped.append((name, error.description))
            return false
        }
        if let stored = try keyring.keys(profileIfReadable: name) {
            if stored.accessKeyId == keys.accessKeyId, (try? keyring.keys(profile: name)) == keys {
                report.alreadyStored.append(name)
                return true
            }
            if !options.replaceStoredKeys {
                report.skipped.append(
                    (
                        name,
                        "the keyring already holds other keys for it (\(stored)); pass --force to replace them"
                    ))
                return false
            }
        }
        try keyring.storeKeys(keys, profile: name)
        _ = try? SessionCache(keyring: keyring).clear(profile: name)
        report.imported.append(name)
        return true
    }

    /// The report, profile by profile, for the person.
    private func tell(_ report: Report) {
        for name in report.imported {
            diagnostics("Imported the keys of profile '\(name)' into the keyring.")
        }
        for name in report.alreadyStored {
            diagnostics("Profile '\(name)': the same keys are already in the keyring.")
        }
        for (name, reason) in report.skipped {
            diagnostics("Skipped profile '\(name)': \(reason).")
        }
    }

    /// Rewrites the file at `path` without the key lines, after a private backup unless told not to,
    /// and proves the result by reading the file back through `path`, the name SDKs read. Nothing is
    /// written when the file cannot be rewritten in place (a hard link), and a failed rewrite leaves no
    /// backup behind: the file is then unchanged.
    private func rewrite(
        path: String, displayPath: String, original: [UInt8], without rewritten: [UInt8],
        profiles: Set<String>,
        keepBackup: Bool, report: inout Report
    ) throws(ImportError) {
        // The file must be the one that was read: never write over changes made meanwhile.
        guard (try? read(path)) == original else {
            throw .changedMeanwhile(displayPath: displayPath)
        }
        let target: String
        do {
            target = try FileReplacement.replacementTarget(of: path)
        } catch {
            throw .notRewritten(displayPath: displayPath, error)
        }
        let suffix = ".bak-" + Self.backupStamp(clock.epochSeconds)
        let backup = path + suffix
        if keepBackup {
            do {
                try FileReplacement.writeNewPrivateFile(original, at: backup)
            } catch {
                throw .notRewritten(displayPath: displayPath, error)
            }
        }
        do {
            try FileReplacement.replace(path, with: rewritten)
        } catch {
            if keepBackup { unlink(backup) }
            throw .notRewritten(displayPath: displayPath, error)
        }
        guard (try? read(path)) == rewritten else {
            throw .notReadBack(displayPath: displayPath)
        }
        report.rewrittenPath = target
        let names = profiles.sorted().map { "'\($0)'" }.joined(separator: ", ")
        let link = target == path ? "" : " (through the link, in \(target); the link is kept)"
        diagnostics("Removed the keys of \(names) from \(displayPath)\(link).")
        if keepBackup {
            report.backupPath = backup
            let backupDisplay = displayPath + suffix
            diagnostics(
                """
                The previous file is saved as \(backupDisplay), readable only by you, and it still holds the \
                keys in plain text: once the keys work from the keyring, delete it: \
                rm \(ShellQuoting.path(backupDisplay))
                """)
        } else {
            diagnostics("No backup of the previous file was kept (--no-backup).")
        }
    }

    private func read(_ path: String) throws(ImportError) -> [UInt8]? {
        do {
            return try readFile(path)
        } catch {
            throw .unreadable(error)
        }
    }

    /// `YYYYMMDDTHHMMSSZ`.
    static func backupStamp(_ time: Int) -> String {
        Timestamp.format(time).filter { $0 != "-" && $0 != ":" }
    }
}
