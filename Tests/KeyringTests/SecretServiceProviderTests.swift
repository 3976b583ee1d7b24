import Testing

@testable import Keyring

@Suite struct SecretServiceProviderTests {
    @Test func theKnownProvidersAreNamed() {
        #expect(SecretServiceProvider.known["gnome-keyring-daemon"]?.name == "gnome-keyring")
        #expect(SecretServiceProvider.known["keepassxc"]?.name == "KeePassXC")
        #expect(SecretServiceProvider.known["kwalletd5"]?.package == "libkf5wallet-bin")
    }
}
