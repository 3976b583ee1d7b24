import Testing

@testable import CredentialResolution

/// One decision of which profile a command works on, for every way of asking.
@Suite struct ProfileSelectionTests {
    @Test func theNameGivenThenAWSProfileThenDefault() {
        #expect(ProfileSelection(option: "p").profile(environment: ["AWS_PROFILE": "e"]) == "p")
        #expect(ProfileSelection(option: nil).profile(environment: ["AWS_PROFILE": "e"]) == "e")
        #expect(ProfileSelection(option: nil).profile(environment: ["AWS_PROFILE": ""]) == "default")
        #expect(ProfileSelection(option: nil).profile(environment: [:]) == "default")
        #expect(ProfileSelection(option: "").profile(environment: ["AWS_PROFILE": "e"]) == "e")
    }

    @Test func webIdentityVariablesOnlyWithoutANamedProfile() {
        #expect(ProfileSelection(option: nil).webIdentityFromEnvironment)
        #expect(!ProfileSelection(option: "p").webIdentityFromEnvironment)
    }

    @Test(arguments: [
        ([], ProfileSelection(option: nil)),
        (["credentials"], ProfileSelection(option: nil)),
        (["--profile", "p"], ProfileSelection(option: "p")),
        (["credentials", "--profile", "p"], ProfileSelection(option: "p")),
        (["--profile=p q"], ProfileSelection(option: "p q")),
        (["--profile", "a", "--profile=b"], ProfileSelection(option: "b")),
    ])
    func plainCallsSkipTheParser(arguments: [String], selection: ProfileSelection) {
        #expect(ProfileSelection.plainCall(arguments) == selection)
    }

    @Test(arguments: [
        ["--profile"], ["--profile", "-x"], ["--profile="], ["--profile", ""], ["--profile", "a\nb"],
        ["--refresh"], ["--profile", "p", "--refresh"], ["store"], ["credentials", "x"],
    ])
    func everythingElseGoesToTheParser(arguments: [String]) {
        #expect(ProfileSelection.plainCall(arguments) == nil)
    }

    @Test func aHelperCredentialProcessDecidesTheSameWay() throws {
        func target(_ command: String, _ environment: [String: String] = [:]) throws -> String? {
            try HelperInvocation.target(
                of: command, profile: "outer", executablePath: nil, environment: environment)
        }
        #expect(try target("awskeyring-helper --profile p") == "p")
        #expect(try target("awskeyring-helper credentials --refresh", ["AWS_PROFILE": "e"]) == "e")
        #expect(try target("awskeyring-helper --profile=") == "default")
        #expect(try target("aws sts get-caller-identity") == nil)
        #expect(try target("awskeyring-helper --profile a --profile b") == "b")
        #expect(throws: ProfileError.helperArgument(profile: "outer", argument: "store")) {
            try target("awskeyring-helper store --profile p")
        }
        #expect(throws: ProfileError.helperArgument(profile: "outer", argument: "--profile")) {
            try target("awskeyring-helper --profile")
        }
    }

    @Test func theCallsArgumentsAreReadInOnePlace() {
        #expect(
            CredentialCallArguments.read(["credentials", "--refresh", "--profile", "-x"])
                == .success(.init(selection: ProfileSelection(option: "-x"), refresh: true)))
        #expect(
            CredentialCallArguments.read(["--refresh", "credentials"])
                == .failure(.init(argument: "credentials")))
    }
}
