/// `rotate`: replaces a profile's stored access key with a new one of the same IAM user, so that at
/// every step a working key is stored. The new key is created with the old one, stored, proven with
/// GetCallerIdentity, and only then is the old key deleted (with the new key, which also proves IAM
/// accepts it). When storing or proving fails, the old pair is put back and the new key deleted again.
public struct KeyRotation {
    public var keyring: CredentialKeyring
    public var iam: IAMClient
    public var sts: STSClient
    /// Progress notes for the person (stderr).
    public var diagnostics: (String) -> Void
    /// Waits between checks of the new key; tests pass one that does not sleep.
    public var sleep: (Double) -> Void
    /// How long a new key may take to start working (IAM is eventually consistent), in seconds.
    public var propagationWait: Double = 12
    public var retryInterval: Double = 1.5

    public init(
        keyring: CredentialKeyring, iam: IAMClient, sts: STSClient, diagnostics: @escaping (String) -> Void,
        sleep: @escaping (Double) -> Void = SystemClock.sleep
    ) {
        self.keyring = keyring
        self.iam = iam
        self.sts = sts
        self.diagnostics = diagnostics
        self.sleep = sleep
    }

    /// Errors that mean "this key is not known (yet)": worth asking again while a new key propagates.
    static let propagationCodes: Set<String> = [
        "InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure", "UnrecognizedClientException",
        "InvalidAccessKeyId",
    ]

    /// Rotates the keys of `profile`; returns the new pair. Every failure says what is stored and which
    /// keys exist in IAM afterwards.
    @discardableResult
    public func rotate(profile: String) throws(HelperError) -> LongLivedKeys {
        guard let old = try keyring.keys(profile: profile) else {
            throw HelperError(
                """
                no keys are stored in the keyring for profile '\(profile)'; rotate replaces stored keys: \
                store them first with 'awskeyring-helper store --profile \(profile)'
                """)
        }
        let oldCredentials = AWSCredentials(
            accessKeyId: old.accessKeyId, secretAccessKey: old.secretAccessKey)

        let new: LongLivedKeys
        do {
            new = try iam.createAccessKey(with: oldCredentials)
        } catch {
            var message = "\(error.message). Nothing changed: access key \(old.accessKeyId) is still stored."
            if error.stsError?.code == "LimitExceeded" {
                message += """
                     The IAM user already has two access keys: delete the one not stored here \
                    ('aws iam list-access-keys', 'aws iam delete-access-key --access-key-id ID') and run \
                    rotate again.
                    """
            }
            throw HelperError(message, stsError: error.stsError)
        }
        diagnostics("Created access key \(new.accessKeyId); storing it for profile '\(profile)'...")
        let newCredentials = AWSCredentials(
            accessKeyId: new.accessKeyId, secretAccessKey: new.secretAccessKey)

        do {
            try keyring.storeKeys(new, profile: profile)
        } catch {
            throw rollback(
                profile: profile, old: old, new: new, oldCredentials: oldCredentials,
                why: "storing the new key failed: \(error.message)")
        }

        do {
            try waitUntilUsable(newCredentials)
        } catch {
            throw rollback(
                profile: profile, old: old, new: new, oldCredentials: oldCredentials,
                why: "the new key did not work with STS GetCallerIdentity: \(error.message)")
        }

        do {
            try withPropagationRetries { () throws(HelperError) in
                try iam.deleteAccessKey(old.accessKeyId, with: newCredentials)
            }
        } catch {
            _ = try? SessionCache(keyring: keyring).clear(profile: profile)
            throw HelperError(
                """
                \(error.message). The new access key \(new.accessKeyId) is stored for profile '\(profile)' \
                and works, but the old key \(old.accessKeyId) still exists in IAM: delete it with \
                'aws iam delete-access-key --access-key-id \(old.accessKeyId)'
                """)
        }
        // Sessions made with the old key die with it.
        _ = try? SessionCache(keyring: keyring).clear(profile: profile)
        diagnostics(
            """
            Rotated profile '\(profile)': access key \(new.accessKeyId) is stored and works; the old key \
            \(old.accessKeyId) is deleted in IAM.
            """)
        return new
    }

    /// GetCallerIdentity with the new key, asked again while the key is still unknown to STS.
    private func waitUntilUsable(_ credentials: AWSCredentials) throws(HelperError) {
        try withPropagationRetries { () throws(HelperError) in
            _ = try sts.getCallerIdentity(with: credentials)
        }
    }

    private func withPropagationRetries(_ call: () throws(HelperError) -> Void) throws(HelperError) {
        var waited = 0.0
        while true {
            do {
                return try call()
            } catch {
                guard let code = error.stsError?.code, Self.propagationCodes.contains(code),
                    waited + retryInterval <= propagationWait
                else { throw error }
                sleep(retryInterval)
                waited += retryInterval
            }
        }
    }

    /// Puts the old pair back and deletes the new key; the error says exactly where things stand.
    private func rollback(
        profile: String, old: LongLivedKeys, new: LongLivedKeys, oldCredentials: AWSCredentials, why: String
    ) -> HelperError {
        var state: [String] = []
        var oldStored = false
        if (try? keyring.keys(profile: profile)) == old {
            oldStored = true
        } else {
            do {
                try keyring.storeKeys(old, profile: profile)
                oldStored = true
            } catch {
                state.append(
                    """
                    putting the old key \(old.accessKeyId) back failed too (\(error.message)); check what \
                    'awskeyring-helper list' shows for profile '\(profile)'
                    """)
            }
        }
        guard oldStored else {
            // Without the old pair in the keyring the new key may be the only one left to use: keep it.
            state.append("the new key \(new.accessKeyId) was kept in IAM")
            return HelperError(
                "rotation of profile '\(profile)' failed: \(why). Now: " + state.joined(separator: "; "))
        }
        state.append(
            "the old access key \(old.accessKeyId) is stored for profile '\(profile)' and still works")
        do {
            try iam.deleteAccessKey(new.accessKeyId, with: oldCredentials)
            state.append("the new key \(new.accessKeyId) was deleted in IAM again")
        } catch {
            state.append(
                """
                the new key \(new.accessKeyId) could not be deleted (\(error.message)): delete it with \
                'aws iam delete-access-key --access-key-id \(new.accessKeyId)'
                """)
        }
        return HelperError(
            "rotation of profile '\(profile)' failed: \(why). Now: " + state.joined(separator: "; "))
    }
}
