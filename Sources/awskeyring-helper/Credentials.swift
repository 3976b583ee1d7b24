import ArgumentParser
import AwskeyringCore

extension AwskeyringHelper {
    struct Credentials: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the credential_process JSON document for a profile (the default command)."
        )

        @OptionGroup var options: ProfileOptions

        @Flag(help: "Ignore cached role credentials for this call (a valid MFA session is still used).")
        var refresh = false

        func run() throws {
            try reportingFailure { () throws(HelperError) in
                let environment = ProcessEnvironment.current()
                let keyring = CredentialKeyring.secretService()
                var provider = CredentialProvider(
                    files: try loadConfigFiles(environment: environment),
                    keyring: keyring,
                    cache: .standard(keyring: keyring, environment: environment),
                    environment: environment,
                    diagnostics: StandardError.write
                )
                provider.webIdentityFromEnvironment = options.profile == nil
                let credentials = try provider.credentials(
                    profile: options.resolvedProfile(environment: environment), refresh: refresh)
                StandardOutput.write(credentials.processDocument.text)
            }
        }
    }
}
