import AWSConfigFile
import ArgumentParser
import HelperCommands

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
                backups left behind); --no-backup skips it. A file that does not parse is left alone. \
                Each imported profile is then made reachable by the AWS CLI and SDKs: where nothing else gives \
                it credentials, 'credential_process = awskeyring-helper --profile NAME' is added to its section \
                of the config file (every other line kept); --no-configure leaves the config file alone.
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

        @Flag(
            inversion: .prefixedNo,
            help: """
                Add 'credential_process = awskeyring-helper --profile NAME' to each imported profile's section \
                of the config file where nothing else gives it credentials (default: yes).
                """)
        var configure = true

        @Flag(
            help: """
                Import the keys aws-vault keeps in the Secret Service (its secret-service backend) instead of \
                a credentials file; aws-vault's items are left as they are.
                """)
        var fromAwsVault = false

        func validate() throws {
            if fromAwsVault && (credentialsFile != nil || removeFromFile) {
                throw ValidationError(
                    "--from-aws-vault reads aws-vault's keyring items: it takes no --credentials-file or --remove-from-file"
                )
            }
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
                let configureProfiles: ([String]) -> Void = { profiles in
                    let outcomes = ProfileConfiguring(environment: environment)
                        .configure(profiles, ignoringFileKeys: true)
                    for profile in profiles {
                        if let outcome = outcomes[profile],
                            let message = ProfileConfiguring.message(profile: profile, outcome)
                        {
                            context.diagnostics(message)
                        }
                    }
                }
                if fromAwsVault {
                    var importer = context.awsVaultImport()
                    if configure { importer.configureProfiles = configureProfiles }
                    try importer.run(profiles: profile, replaceStoredKeys: force)
                    return
                }
                var importer = KeyImport(
                    keyring: context.keyring, diagnostics: context.diagnostics, clock: context.clock)
                if configure { importer.configureProfiles = configureProfiles }
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
