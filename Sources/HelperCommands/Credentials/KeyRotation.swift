import AWSQuery
import CredentialResolution
import CredentialValues
import KeyringItems
import SystemAccess

/// `rotate`: replaces a profile's stored access key with a new one of the same IAM user, so that at
/// every step a working key is stored. The new key is created with the old one, stored, proven with
/// GetCallerIdentity, and only then is the old key deleted (with the new key, which also proves IAM
/// accepts it). When storing or proving fails, the old pair is put back and the new key deleted again.
package struct KeyRotation {
    package var keyring: CredentialKeyring
    package var iam: IAMClient
    package var sts: STSClient
    /// Progress notes for the person (stderr).
    package var diagnostics: (String) -> Void
    /// Waits between checks of the new key; tests pass one that does not sleep.
    package var clock: any TimeSource
    /// How long a new key may take to start working (IAM is eventually consistent), in seconds.
    package var propagationWait: Double = 12
    package var retryInterval: Double = 1.5

    package init(
        keyring: CredentialKeyring, iam: IAMClient, sts: STSClient, diagnostics: @escaping (String) -> Void,
        clock: any TimeSource
    ) {
        self.keyring = keyring
        self.iam = iam
        self.sts = sts
        self.diagnostics = diagnostics
        self.clock = clock
    }

    /// Errors that mean "this key is not known (yet)": worth asking again while a new key propagates.
    static let propagationCodes: Set<String> = [
        "InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure", "UnrecognizedClientException",
        "InvalidAccessKeyId",
    ]

    /// Rotates the keys of `profile`; returns the new pair. Every failure says what is stored and which
    /// keys exist in IAM afterwards.
    ///
    /// Every other profile that holds the same access key id moves to the new key too, named on the way:
    /// the old key is deleted in IAM, so leaving them on it would break them without a word, and two
    /// profiles holding one key are one identity. A failure puts each profile's own pair back.
    @discardableResult
    package func rotate(profile: String) throws -> LongLivedKeys {
        guard let old = try keyring.keys(profile: profile) else {
            throw KeyCommandError.nothingToRotate(profile: profile)
        }
        let oldCredentials = AWSCredentials(
            accessKeyId: old.accessKeyId, secretAccessKey: old.secretAccessKey)
        let stored = try storedKeys()
        let sharing = stored.filter { $0.profile != profile && $0.keys.accessKeyId == old.accessKeyId }
        let sharingNames = sharing.map { "'\($0.profile)'" }.joined(separator: ", ")
        try refuseSpareKeys(profile: profile, old: old, credentials: oldCredentials, stored: stored)
        if !sharing.isEmpty {
            diagnostics(
                """
                Profile\(sharing.count == 1 ? "" : "s") \(sharingNames) \(sharing.count == 1 ? "holds" : "hold") \
                the same access key \(old.accessKeyId) as '\(profile)': \(sharing.count == 1 ? "it gets" : "they get") \
                the new key as well.
                """)
        }

        let new: LongLivedKeys
        do {
            new = try iam.createAccessKey(with: oldCredentials)
        } catch {
            throw RotationError.notCreated(error, oldKeyId: old.accessKeyId)
        }
        let holders = [(profile: profile, keys: old)] + sharing
        let holderNames = holders.map { "'\($0.profile)'" }.joined(separator: ", ")
        diagnostics(
            "Created access key \(new.accessKeyId); storing it for profile\(holders.count == 1 ? "" : "s") \(holderNames)..."
        )
        let newCredentials = AWSCredentials(
            accessKeyId: new.accessKeyId, secretAccessKey: new.secretAccessKey)

        for holder in holders {
            do {
                try keyring.storeKeys(new, profile: holder.profile)
            } catch {
                throw rollback(
                    profile: profile, holders: holders, new: new, oldCredentials: oldCredentials,
                    cause: .storeFailed(profile: holder.profile, error))
            }
        }

        do {
            try waitUntilUsable(newCredentials)
        } catch {
            throw rollback(
                profile: profile, holders: holders, new: new, oldCredentials: oldCredentials,
                cause: .newKeyUnusable(error))
        }

        do {
            try withPropagationRetries { () throws(AWSQueryError) in
                try iam.deleteAccessKey(old.accessKeyId, with: newCredentials)
            }
        } catch {
            for holder in holders { _ = try? SessionCache(keyring: keyring).clear(profile: holder.profile) }
            throw RotationError.oldKeyNotDeleted(
                error, newKeyId: new.accessKeyId, holders: holders.map(\.profile), oldKeyId: old.accessKeyId)
        }
        // Sessions made with the old key die with it.
        for holder in holders { _ = try? SessionCache(keyring: keyring).clear(profile: holder.profile) }
        let also = sharing.isEmpty ? "" : " (and \(sharingNames), which held the same key)"
        diagnostics(
            """
            Rotated profile '\(profile)'\(also): access key \(new.accessKeyId) is stored and works; the old key \
            \(old.accessKeyId) is deleted in IAM.
            """)
        return new
    }

    /// Every profile's stored pair (items this tool cannot read are left out: they hold no key id).
    private func storedKeys() throws -> [(profile: String, keys: LongLivedKeys)] {
        var result: [(profile: String, keys: LongLivedKeys)] = []
        for name in try keyring.profilesWithKeys() {
            if case .keys(let keys) = try keyring.storedKeys(profile: name) { result.append((name, keys)) }
        }
        return result
    }

    /// Refuses to start while the IAM user has another key: CreateAccessKey would fail (two keys at
    /// most), and the other key is usually the spare of an interrupted rotation, which the person should
    /// see named. When IAM does not let the key list its keys, CreateAccessKey answers for itself.
    private func refuseSpareKeys(
        profile: String, old: LongLivedKeys, credentials: AWSCredentials,
        stored: [(profile: String, keys: LongLivedKeys)]
    ) throws {
        guard let listed = try? iam.listAccessKeys(with: credentials) else { return }
        var heldBy: [String: [String]] = [:]
        for (name, keys) in stored { heldBy[keys.accessKeyId, default: []].append(name) }
        guard
            let spare = SpareAccessKeys(
                profile: profile, storedKeyId: old.accessKeyId, keys: listed, heldBy: heldBy)
        else { return }
        throw RotationError.spareKey(advice: spare.advice, profile: profile, oldKeyId: old.accessKeyId)
    }

    /// GetCallerIdentity with the new key, asked again while the key is still unknown to STS.
    private func waitUntilUsable(_ credentials: AWSCredentials) throws(AWSQueryError) {
        try withPropagationRetries { () throws(AWSQueryError) in
            _ = try sts.getCallerIdentity(with: credentials)
        }
    }

    private func withPropagationRetries(_ call: () throws(AWSQueryError) -> Void) throws(AWSQueryError) {
        var waited = 0.0
        while true {
            do {
                return try call()
            } catch {
                guard let code = error.serviceError?.code, Self.propagationCodes.contains(code),
                    waited + retryInterval <= propagationWait
                else { throw error }
                clock.sleep(retryInterval)
                waited += retryInterval
            }
        }
    }

    /// Puts each profile's old pair back and deletes the new key; the error says exactly where things
    /// stand.
    private func rollback(
        profile: String, holders: [(profile: String, keys: LongLivedKeys)], new: LongLivedKeys,
        oldCredentials: AWSCredentials, cause: RotationError.Cause
    ) -> RotationError {
        var state: [String] = []
        var oldStored = true
        for holder in holders where (try? keyring.keys(profile: holder.profile)) != holder.keys {
            do {
                try keyring.storeKeys(holder.keys, profile: holder.profile)
            } catch {
                if holder.profile == profile { oldStored = false }
                state.append(
                    """
                    putting the old key \(holder.keys.accessKeyId) back for profile '\(holder.profile)' failed \
                    too (\(error)); check what 'awskeyring-helper list' shows for it
                    """)
            }
        }
        let old = oldCredentials.accessKeyId
        guard oldStored else {
            // Without the old pair in the keyring the new key may be the only one left to use: keep it.
            state.append("the new key \(new.accessKeyId) was kept in IAM")
            return .rolledBack(profile: profile, cause: cause, state: state)
        }
        state.append(
            "the old access key \(old) is stored for profile '\(profile)' and still works")
        do {
            try iam.deleteAccessKey(new.accessKeyId, with: oldCredentials)
            state.append("the new key \(new.accessKeyId) was deleted in IAM again")
        } catch {
            state.append(
                """
                the new key \(new.accessKeyId) could not be deleted (\(error)): delete it with \
                'aws iam delete-access-key --access-key-id \(new.accessKeyId)'
                """)
        }
        return .rolledBack(profile: profile, cause: cause, state: state)
    }
}
