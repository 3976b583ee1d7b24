import ArgumentParser
import CredentialServer
import HelperCommands
import SystemAccess

extension AwskeyringHelper {
    struct Login: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "login",
            abstract: "Open the AWS console signed in with a profile's credentials.",
            discussion: """
                Gets a sign-in token from the AWS federation endpoint of the profile's partition \
                (signin.aws.amazon.com, signin.amazonaws.cn, signin.amazonaws-us-gov.com; \
                AWSKEYRING_HELPER_FEDERATION_URL replaces it) and opens the console. A role profile signs \
                in with its role session (SessionDuration = --duration, except for a role assumed with \
                role credentials, whose console session AWS limits itself); plain long-lived keys first \
                get a GetFederationToken session (--duration, 900-129600 seconds) with a policy that \
                allows everything, so the user's own policies decide. GetFederationToken cannot carry an \
                MFA code, so keys whose profile has mfa_serial are refused: use a role profile with \
                mfa_serial.

                With a display (DISPLAY or WAYLAND_DISPLAY), the URL is opened with xdg-open through a \
                one-time redirect on 127.0.0.1, so the sign-in token never appears in a command line; \
                without one, or with --print, the URL is printed on stdout as one line. The URL signs in \
                whoever opens it, for 15 minutes: treat it as a password.

                  awskeyring-helper login --profile prod
                  awskeyring-helper login --profile prod --print --destination https://console.aws.amazon.com/s3/
                """
        )

        @OptionGroup var options: ProfileOptions

        @Flag(help: "Print the sign-in URL on stdout instead of opening it.")
        var print = false

        @Option(help: "The console page to open (default: the console home in the profile's region).")
        var destination: String?

        @Option(help: "Length of the console session in seconds (roles: 900-43200, plain keys: 900-129600).")
        var duration: Int = 3600

        func validate() throws {
            if let destination, !(destination.hasPrefix("https://") || destination.hasPrefix("http://")) {
                throw ValidationError("--destination needs an https:// URL of a console page")
            }
            if !ConsoleSignIn.federationTokenDurations.contains(duration) {
                throw ValidationError("--duration must be from 900 to 129600 seconds")
            }
        }

        func run() throws {
            let environment = ProcessEnvironment.current()
            let hasDisplay = ["DISPLAY", "WAYLAND_DISPLAY"].contains { !(environment[$0] ?? "").isEmpty }
            if !print && hasDisplay {
                // The browser is opened through a redirect on 127.0.0.1.
                try handOver(
                    .openSignIn(profile: options.profile, destination: destination, duration: duration))
                return
            }
            try reportingFailure {
                let context = CommandContext.live()
                let provider = context.credentialProvider(
                    files: try context.configFiles(), selection: options.selection)
                let url = try ConsoleLogin(provider: provider).signInURL(
                    profile: context.profile(options.selection), destination: destination, duration: duration)
                StandardOutput.write(url + "\n")
            }
        }
    }
}
