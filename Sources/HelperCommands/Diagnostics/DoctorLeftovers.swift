import AWSConfigFile
import AWSQuery
import CredentialResolution
import CredentialValues
import SystemAccess
import TextFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `doctor`'s checks for what earlier commands may have left behind: backups of the credentials file
/// that still hold keys in plain text (`import --remove-from-file`), and spare access keys in IAM (an
/// interrupted `rotate`).
extension DoctorChecks {
    /// The longest `doctor` spends asking IAM, all keys together, in seconds; each call gets at most
    /// `iamCallDeadline`. A machine without network costs seconds, never a hang.
    static let iamBudget = 20.0
    static let iamCallDeadline = 5.0

    // MARK: - The lock directory

    /// The directory for lock files: private, or refused by every call that needs a lock.
    func lockDirectoryFinding() -> DoctorFinding {
        let path = PrivateDirectory.runtime(environment: environment)
        let display = ConfigFileAccess.displayPath(path, environment: environment)
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return DoctorFinding(
                ok: true, subject: "lock directory \(display)",
                detail: "not there yet (made 0700 when needed)")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(), info.st_mode & 0o077 == 0 {
            return DoctorFinding(
                ok: true, subject: "lock directory \(display)", detail: "private (mode 0700)")
        }
        let mode = String(info.st_mode & 0o7777, radix: 8)
        let what = (info.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a directory"
        return DoctorFinding(
            ok: false, subject: "lock directory \(display)",
            detail: """
                \(what) owned by user id \(info.st_uid) with mode \(mode): role and MFA calls refuse it, since \
                another user could block or take over them
                """,
            fix: "remove it: rm -r \(ShellQuoting.path(display))")
    }

    // MARK: - Backups

    /// Backups `import` wrote beside the credentials file (`credentials.bak-YYYYMMDDTHHMMSSZ`) that still
    /// hold a secret access key.
    func backupFindings() -> [DoctorFinding] {
        let path = AWSConfigFiles.filePaths(environment: environment).credentials
        let directory = FileReplacement.parentDirectory(of: path)
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        let prefix = base + ".bak-"
        guard let names = listDirectory(directory) else { return [] }
        var stored: [String: String] = [:]
        if case .defaultCollection(_, locked: false) = health {
            for profile in (try? keyring.profilesWithKeys()) ?? [] {
                if let id = try? keyring.keys(profileIfReadable: profile)?.accessKeyId {
                    stored[profile] = id
                }
            }
        }
        var findings: [DoctorFinding] = []
        for name in names.sorted() where Self.isBackupName(name, prefix: prefix) {
            let backup = directory + "/" + name
            guard let bytes = try? readFile(backup) else { continue }
            let editor = CredentialsFileEditor(bytes: bytes)
            let holders = editor.keyLines.filter { $0.value["aws_secret_access_key"]?.isEmpty == false }.keys
                .sorted()
            guard !holders.isEmpty else { continue }
            let display = ConfigFileAccess.displayPath(backup, environment: environment)
            let names = holders.map { "'\($0)'" }.joined(separator: ", ")
            let sections = (try? ConfigFileParser.sections(of: bytes, path: display)) ?? []
            let notStored = holders.filter { profile in
                let id = sections.first { $0.name == profile }?.settings.value("aws_access_key_id")
                return id == nil || stored[profile] != id
            }
            let remove = "rm \(ShellQuoting.path(display))"
            let fix =
                notStored.isEmpty
                ? "the keyring holds these keys: once they work from it, delete the backup: \(remove)"
                : """
                the keys of \(notStored.map { "'\($0)'" }.joined(separator: ", ")) in it are not in the \
                keyring: import them first if you still need them ('awskeyring-helper import --credentials-file \
                \(ShellQuoting.path(display))'), then delete the backup: \(remove)
                """
            findings.append(
                DoctorFinding(
                    ok: false, subject: "backup \(display)",
                    detail: "holds the secret access keys of \(names) in plain text (left by import)",
                    fix: fix))
        }
        return findings
    }

    /// `PREFIX` + `YYYYMMDDTHHMMSSZ`.
    static func isBackupName(_ name: String, prefix: String) -> Bool {
        guard name.hasPrefix(prefix) else { return false }
        let stamp = Array(name.utf8.dropFirst(prefix.utf8.count))
        guard stamp.count == 16, stamp[8] == UInt8(ascii: "T"), stamp[15] == UInt8(ascii: "Z") else {
            return false
        }
        return (Array(stamp[0..<8]) + Array(stamp[9..<15])).allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// The entry names of a directory; nil when it cannot be read.
    package static func directoryEntries(_ path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    // MARK: - IAM

    /// A stored key older than `maxKeyAgeDays` by IAM's CreateDate: a problem, with the rotate command.
    func keyAgeFinding(subject: String, profile: String, accessKeyId: String, listed: [IAMAccessKey])
        -> DoctorFinding?
    {
        guard let key = listed.first(where: { $0.accessKeyId == accessKeyId }),
            let created = Timestamp.parse(key.createDate)
        else { return nil }
        let days = (clock.epochSeconds - created) / 86400
        guard days > maxKeyAgeDays else { return nil }
        return DoctorFinding(
            ok: false, subject: subject,
            detail: """
                access key \(accessKeyId) was created \(days) days ago (\(Timestamp.format(created).prefix(10))), \
                more than the \(maxKeyAgeDays) days allowed (--max-key-age)
                """,
            fix: "awskeyring-helper rotate --profile \(ShellQuoting.word(profile))")
    }

    /// For each stored access key (once per key, whichever profiles hold it), IAM ListAccessKeys signed
    /// with it: a spare key of the same user is a problem with the command that deletes it; a key IAM
    /// does not know is a problem; IAM out of reach (or not allowing the call) is noted, not a problem.
    func accessKeyFindings(_ files: AWSConfigFiles) -> [DoctorFinding] {
        guard let iamTransport, case .defaultCollection(_, locked: false) = health,
            let profiles = try? keyring.profilesWithKeys()
        else { return [] }
        var stored: [(profile: String, keys: LongLivedKeys)] = []
        for profile in profiles {
            if case .keys(let keys)? = try? keyring.storedKeys(profile: profile) {
                stored.append((profile, keys))
            }
        }
        var heldBy: [String: [String]] = [:]
        for (profile, keys) in stored { heldBy[keys.accessKeyId, default: []].append(profile) }

        let start = clock.now()
        var findings: [DoctorFinding] = []
        var seen: Set<String> = []
        /// Endpoint → why it could not be reached: asked once, not once per key.
        var unreachable: [String: any Error] = [:]
        for (profile, keys) in stored where seen.insert(keys.accessKeyId).inserted {
            let holders = heldBy[keys.accessKeyId] ?? [profile]
            let subject = "IAM keys of profile \(holders.joined(separator: ", "))"
            let remaining = Self.iamBudget - (clock.now() - start)
            guard remaining >= 1 else {
                findings.append(
                    DoctorFinding(
                        ok: true, subject: subject,
                        detail: "not checked: doctor's \(Int(Self.iamBudget)) s for IAM are used up"))
                continue
            }
            let listed: [IAMAccessKey]
            var endpoint = ""
            do {
                let sts = try STSConfiguration(profile: profile, files: files, environment: environment)
                var configuration = try IAMConfiguration(
                    profile: profile, files: files, environment: environment, sts: sts)
                endpoint = configuration.endpoint
                if let failure = unreachable[endpoint] { throw failure }
                // One attempt: doctor reports, it does not wait for a service to come back.
                configuration.maxAttempts = 1
                let client = IAMClient(
                    configuration: configuration,
                    connection: QueryConnection(
                        transport: iamTransport, clock: clock,
                        limits: QueryTimeLimits().capped(at: min(Self.iamCallDeadline, remaining))))
                listed = try client.listAccessKeys(
                    with: AWSCredentials(accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey)
                )
            } catch {
                let serviceError = (error as? AWSQueryError)?.serviceError
                if serviceError == nil, !endpoint.isEmpty { unreachable[endpoint] = error }
                if let code = serviceError?.code,
                    ["InvalidClientTokenId", "SignatureDoesNotMatch"].contains(code)
                {
                    findings.append(
                        DoctorFinding(
                            ok: false, subject: subject,
                            detail: "IAM does not accept the stored access key \(keys.accessKeyId) (\(code))",
                            fix:
                                "store a working key: awskeyring-helper store --profile \(ShellQuoting.word(profile)) --force"
                        ))
                } else {
                    findings.append(
                        DoctorFinding(ok: true, subject: subject, detail: "not checked: \(error)"))
                }
                continue
            }
            if let age = keyAgeFinding(
                subject: subject, profile: profile, accessKeyId: keys.accessKeyId, listed: listed)
            {
                findings.append(age)
            }
            guard
                let spare = SpareAccessKeys(
                    profile: profile, storedKeyId: keys.accessKeyId, keys: listed, heldBy: heldBy)
            else {
                findings.append(
                    DoctorFinding(
                        ok: true, subject: subject,
                        detail: "access key \(keys.accessKeyId) is the IAM user's only access key"))
                continue
            }
            for key in spare.spare {
                let held = !(spare.heldBy[key.accessKeyId] ?? []).isEmpty
                findings.append(
                    DoctorFinding(
                        ok: held, subject: subject, detail: spare.situation(key),
                        fix: held ? nil : spare.remedy(key)))
            }
        }
        return findings
    }
}
