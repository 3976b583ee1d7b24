import HelperCommands

/// What stops `exec --server` or `login`'s redirect: the credentials endpoint or the sign-in redirect
/// could not be served, or a hand-over was not one `ServerHandOver` wrote.
package enum ServerError: Error, Sendable, CustomStringConvertible {
    /// Arguments starting with `ServerHandOver.marker` that it did not write (typed by hand).
    case notHandedOver
    /// The endpoint could not listen on 127.0.0.1 (the underlying failure from SwiftNIO).
    case endpointNotStarted(any Error)
    case endpointPortUnknown
    /// A request found no credentials to hand out.
    case credentialsUnavailable(profile: String, any Error)
    /// The sign-in redirect could not listen on 127.0.0.1.
    case redirectNotStarted(any Error)
    case redirectPortUnknown
    /// xdg-open could not be started (`reason` says why).
    case openerNotStarted(reason: String)
    case noBrowserCame(seconds: Int64)
    case redirectClosed
    case openerFailed(status: Int32)
    /// Any other failure while waiting for the browser.
    case redirectFailed(any Error)

    package var description: String {
        switch self {
        case .notHandedOver:
            return """
                \(ServerHandOver.marker) is given by awskeyring-helper itself; use 'awskeyring-helper exec \
                --server' or 'awskeyring-helper login'
                """
        case .endpointNotStarted(let error):
            return "cannot start the credentials endpoint on 127.0.0.1: \(error)"
        case .endpointPortUnknown:
            return "cannot start the credentials endpoint: the port it listens on is unknown"
        case .credentialsUnavailable(let profile, let error):
            return "cannot hand out credentials of profile '\(profile)': \(error)"
        case .redirectNotStarted(let error):
            return "cannot open the console: no port on 127.0.0.1 for the redirect (\(error))"
        case .redirectPortUnknown: return "cannot open the console: the redirect's port is unknown"
        case .openerNotStarted(let reason):
            return """
                \(reason); install xdg-utils, or print the URL with 'awskeyring-helper login \
                --print' and open it yourself
                """
        case .noBrowserCame(let seconds):
            return """
                no browser came for the sign-in within \(seconds) seconds; use 'awskeyring-helper login \
                --print' and open the URL yourself
                """
        case .redirectClosed: return "cannot open the console: the redirect closed before a browser came"
        case .openerFailed(let status):
            return """
                xdg-open could not open a browser (exit status \(status)); use 'awskeyring-helper login \
                --print' and open the URL yourself
                """
        case .redirectFailed(let error): return "cannot open the console: \(error)"
        }
    }
}
