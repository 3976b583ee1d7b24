import Testing

@testable import Keyring

@Suite struct SecretServiceProviderTests {
    static let status = """
        Package: keepassxc
        Status: install ok installed
        Version: 2.7.4+dfsg.1-2

        Package: libkf5wallet-bin
        Status: install ok installed
        Description: Secure and unified container for user passwords
         Version: not this continuation line
        Version: 5.103.0-1

        """

    @Test func theVersionComesFromThePackagesOwnStanza() {
        #expect(SecretServiceProvider.debianVersion(of: "keepassxc", status: Self.status) == "2.7.4+dfsg.1-2")
        #expect(
            SecretServiceProvider.debianVersion(of: "libkf5wallet-bin", status: Self.status) == "5.103.0-1")
        #expect(SecretServiceProvider.debianVersion(of: "gnome-keyring", status: Self.status) == nil)
        #expect(SecretServiceProvider.debianVersion(of: "keepass", status: Self.status) == nil)
    }

    @Test func theKnownProvidersAreNamed() {
        #expect(SecretServiceProvider.known["gnome-keyring-daemon"]?.name == "gnome-keyring")
        #expect(SecretServiceProvider.known["keepassxc"]?.name == "KeePassXC")
        #expect(SecretServiceProvider.known["kwalletd5"]?.package == "libkf5wallet-bin")
    }
}
