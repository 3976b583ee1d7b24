import ArgumentParser
import CredentialResolution
import SystemAccess

/// `--profile`, shared by every command that works on one profile.
struct ProfileOptions: ParsableArguments {
    @Option(
        name: .long, help: "The AWS profile (default: $AWS_PROFILE, then 'default').",
        completion: ProfileCompletion.kind)
    var profile: String?

    /// Which profile the command works on (`ProfileSelection` decides for every command).
    var selection: ProfileSelection { ProfileSelection(option: profile) }

    func validate() throws {
        if let profile, !ProfileSelection.isValidName(profile) {
            throw ValidationError("--profile needs a profile name")
        }
    }
}

/// Runs a command's work, turning any error it throws into its one-line message on stderr and exit
/// status 1, so no failure ever prints on stdout or shows a stack trace.
func reportingFailure(_ work: () throws -> Void) throws {
    do {
        try work()
    } catch {
        StandardError.report(error)
        throw ExitCode.failure
    }
}
