import AWSConfigFile
import SystemAccess

/// Recognises a `credential_process` that runs this helper, so a chain through it is resolved in this
/// process: no second process, no second lock on the same keys, no way to wait on itself.
package enum HelperInvocation {
    package static let executableName = "awskeyring-helper"

    /// The profile such a command asks for, or nil when the command is another program.
    package static func target(
        of command: String, profile: String, executablePath: String?, environment: [String: String]
    ) throws(ProfileError) -> String? {
        guard let words = ShellWords.split(command) else {
            throw .invalid(.unsplittableCredentialProcess(profile: profile))
        }
        guard let program = words.first, isHelper(program, executablePath: executablePath) else { return nil }
        switch CredentialCallArguments.read(Array(words.dropFirst())) {
        case .success(let call):
            return call.selection.profile(environment: environment)
        case .failure(let unexpected):
            throw .helperArgument(profile: profile, argument: unexpected.argument)
        }
    }

    /// By its name, or by the file a path leads to: this very program, or (through a link of another
    /// name) a file named awskeyring-helper, which awskeyring-helper-commands, running under its own name,
    /// must recognise as well.
    package static func isHelper(_ program: String, executablePath: String?) -> Bool {
        if program.split(separator: "/").last.map(String.init) == executableName { return true }
        guard program.contains("/"), let resolved = CurrentExecutable.realPath(program) else { return false }
        return resolved == executablePath
            || resolved.split(separator: "/").last.map(String.init) == executableName
    }
}
