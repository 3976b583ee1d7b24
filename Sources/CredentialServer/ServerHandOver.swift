/// What `exec --server` and `login` (with a display) hand over when awskeyring-helper-commands replaces
/// itself (`execv`, same process id) to serve them: the process that serves starts with no thread, so the
/// signals meant for the command can be blocked before SwiftNIO's threads exist. One encoder and one
/// decoder: `arguments` is the command line after the program's name, and `init?(arguments:)` reads it
/// back. A command that needs the server adds a case here and its work in `ServerCommands`.
package enum ServerHandOver: Equatable, Sendable {
    /// `exec --server`: serve the profile's credentials while `command` runs.
    case serve(profile: String?, command: [String])
    /// `login` with a display: open the sign-in URL through the one-time redirect.
    case openSignIn(profile: String?, destination: String?, duration: Int)

    /// The first argument of a hand-over. It is an option, so no profile or command name can be taken
    /// for it, and awskeyring-helper passes it on to the commands' program like any other call.
    package static let marker = "--serve-handed-over"

    package var arguments: [String] {
        switch self {
        case .serve(let profile, let command):
            return [Self.marker, "exec"] + Self.option("--profile", profile) + ["--"] + command
        case .openSignIn(let profile, let destination, let duration):
            return [Self.marker, "login"] + Self.option("--profile", profile)
                + Self.option("--destination", destination) + ["--duration", String(duration)]
        }
    }

    /// The hand-over `arguments` describe, or nil when they are not one `arguments` wrote.
    package init?(arguments: [String]) {
        guard arguments.count >= 2, arguments[0] == Self.marker else { return nil }
        var options: [String: String] = [:]
        var command: [String]?
        var rest = arguments.dropFirst(2)
        while let word = rest.first {
            rest = rest.dropFirst()
            if word == "--" {
                command = Array(rest)
                break
            }
            guard ["--profile", "--destination", "--duration"].contains(word), options[word] == nil,
                let value = rest.first
            else { return nil }
            options[word] = value
            rest = rest.dropFirst()
        }
        switch arguments[1] {
        case "exec":
            guard let command, !command.isEmpty, options["--destination"] == nil, options["--duration"] == nil
            else { return nil }
            self = .serve(profile: options["--profile"], command: command)
        case "login":
            guard command == nil, let duration = options["--duration"].flatMap({ Int($0) }) else {
                return nil
            }
            self = .openSignIn(
                profile: options["--profile"], destination: options["--destination"], duration: duration)
        default:
            return nil
        }
    }

    private static func option(_ name: String, _ value: String?) -> [String] {
        value.map { [name, $0] } ?? []
    }
}
