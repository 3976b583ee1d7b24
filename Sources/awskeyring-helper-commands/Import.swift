import AWSConfigFile
import ArgumentParser
import AwskeyringCore
import HelperSupport

extension AwskeyringHelper {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Move access keys from a plain-text credentials file into the keyring.",
            discussion: """
                Imports aws_access_key_id / aws_secret_access_key pairs (not temporary keys with an \
                aws_session_token), profile by profile. Keys already stored are kept unless --force. With \
                --remove-from-file the file is then rewritten without the imported keys (everything else is \
                kept as it was; a symbolic link is kept and the file it points to rewritten), after a backup \
                next to it named credentials.bak-YYYYMMDDTHHMMSSZ that only you can read. The backup holds \
                the keys in plain text until you delete it (the output gives the command; doctor reports \
                backups left behind); --no-backup skips it. A file that does not parse is left alone.
                """
        )

        @Option(
            help: "The credentials file (default: $AWS_SHARED_CREDENTIALS_FILE, then ~/.aws/credentials).")
        var credentialsFile: String?

        @Option(help: "A profile to import (repeatable; default: every profile with keys in the file).")
        var profile: [String] = []

        @Flag(help: "Replace keys already stored for a profile.")
        var force = false

        @Flag(help: "Rewrite the file without the imported keys (after a private backup).")
        var removeFromFile = false

        @Flag(help: "With --remove-from-file: keep no backup of the previous file (it holds the keys).")
        var noBackup = false

        func validate() throws {
            if noBackup && !removeFromFile {
                throw ValidationError(
                    "--no-backup goes with --remove-from-file (without it no file is rewritten)")
            }
        }

        func run() throws {
            try reportingFailure {
                let context = CommandContext.live()
                let environment = context.environment
                let path =
                    credentialsFile.map { ConfigFileAccess.expandPath($0, environment: environment) }
                    ?? AWSConfigFiles.filePaths(environment: environment).credentials
                let importer = KeyImport(
                    keyring: context.keyring, diagnostics: context.diagnostics, clock: context.clock)
                try importer.run(
                    path: path, displayPath: ConfigFileAccess.displayPath(path, environment: environment),
                    profiles: profile,
                    options: KeyImport.Options(
                        replaceStoredKeys: force,
                        file: removeFromFile ? .removeKeys(backup: !noBackup) : .keep))
            }
        }
    }
}
