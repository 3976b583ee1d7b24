import TestSupport
import Testing

@testable import CredentialResolution

/// The message for a profile with no keys names the nearest profiles of the files and the keyring.
@Suite struct MissingKeysMessageTests {
    @Test func anUnknownProfileMessageSuggestsNamesFromTheFilesAndTheKeyring() throws {
        let files = try configFiles("[profile production]\n[profile me]\n")
        let unknown = CredentialProvider.missingKeysMessage(
            profile: "prodution", inConfig: false, files: files, storedProfiles: ["keys-only"])
        #expect(unknown.contains("did you mean 'production'?"))
        let stored = CredentialProvider.missingKeysMessage(
            profile: "keys-onyl", inConfig: false, files: files, storedProfiles: ["keys-only"])
        #expect(stored.contains("did you mean 'keys-only'?"))
        let typo = CredentialProvider.missingKeysMessage(
            profile: "mee", inConfig: false, files: files, sourceProfileOf: "nosrc")
        #expect(typo.hasPrefix("source_profile 'mee' of profile 'nosrc' does not exist"))
        #expect(typo.contains("did you mean 'me'?"))
        #expect(!typo.contains("store --profile mee"))
        let farFromAnything = CredentialProvider.missingKeysMessage(
            profile: "keyring-only-base", inConfig: false, files: files, sourceProfileOf: "role")
        #expect(
            farFromAnything.hasPrefix("source_profile 'keyring-only-base' of profile 'role' does not exist"))
        #expect(farFromAnything.contains("'awskeyring-helper store --profile keyring-only-base'"))
    }
}
