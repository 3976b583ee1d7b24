import AWSConfigFile
import ArgumentParser
import CredentialResolution
import HelperSupport

/// `--profile`, shared by every command that works on one profile.
struct ProfileOptions: ParsableArguments {
    @Option(
        name: .long, help: "The AWS profile (default: $AWS_PROFILE, then 'default').",
        completion: ProfileCompletion.kind)
    var profile: String?

    func resolvedProfile(environment: [String: String]) -> String {
        Self.resolve(profile, environment: environment)
    }

    /// `--profile`, else `AWS_PROFILE`, else `default`.
    static func resolve(_ option: String?, environment: [String: String]) -> String {
        if let option { return option }
        if let fromEnvironment = environment["AWS_PROFILE"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "default"
    }

    static func isValidName(_ profile: String) -> Bool {
        !profile.isEmpty && !profile.contains(where: \.isNewline)
    }

    func validate() throws {
        if let profile, !Self.isValidName(profile) {
            throw ValidationError("--profile needs a profile name")
        }
    }
}

/// Runs a command's work, turning a `HelperError` into a message on stderr and exit status 1, so no
/// failure ever prints on stdout or shows a stack trace.
func reportingFailure(_ work: () throws(HelperError) -> Void) throws {
    do {
        try work()
    } catch {
        StandardError.report(error)
        throw ExitCode.failure
    }
}

/// The config files named by the environment.
func loadConfigFiles(environment: [String: String]) throws(HelperError) -> AWSConfigFiles {
    do {
        return try AWSConfigFiles.load(environment: environment)
    } catch {
        throw HelperError("cannot use \(error.description)")
    }
}

/// What every key command works with: the user's Secret Service and both tiers of the session cache.
func makeKeyManager(environment: [String: String], terminal: (any Terminal)?) -> KeyManager {
    let keyring = CredentialKeyring.secretService()
    return KeyManager(
        keyring: keyring, sessions: .standard(keyring: keyring, environment: environment), terminal: terminal,
        diagnostics: StandardError.write)
}

/// A profile's credentials, as every command that hands them out gets them: the user's Secret Service,
/// both tiers of the session cache, and the web identity variables when no profile was named.
func fetchCredentials(
    profileOption: String?, refresh: Bool = false, environment: [String: String], files: AWSConfigFiles
) throws(HelperError) -> AWSCredentials {
    let keyring = CredentialKeyring.secretService()
    var provider = CredentialProvider(
        files: files, keyring: keyring, cache: .standard(keyring: keyring, environment: environment),
        environment: environment, diagnostics: StandardError.write)
    provider.webIdentityFromEnvironment = profileOption == nil
    return try provider.credentials(
        profile: ProfileOptions.resolve(profileOption, environment: environment), refresh: refresh)
}
