import AWSQuery
import AWSXML

/// `rotate` stopping: each case says what is stored and which keys exist in IAM afterwards. It holds
/// the underlying failure (an `AWSQueryError`, an `IAMResponseError`, a `KeyringError`...), so it is
/// not `Equatable`; match it by case.
package enum RotationError: Error, Sendable, CustomStringConvertible {
    /// The IAM user has another key besides the stored one; `advice` says which and what to do.
    case spareKey(advice: String, profile: String, oldKeyId: String)
    /// CreateAccessKey failed; nothing changed.
    case notCreated(any Error, oldKeyId: String)
    /// A step after CreateAccessKey failed and was undone as far as it could be; `state` lists where
    /// things stand.
    case rolledBack(profile: String, cause: Cause, state: [String])
    /// The new key is stored and works, but the old one could not be deleted in IAM.
    case oldKeyNotDeleted(any Error, newKeyId: String, holders: [String], oldKeyId: String)

    package enum Cause: Sendable {
        case storeFailed(profile: String, any Error)
        case newKeyUnusable(any Error)
    }

    /// The service error under the failure, when a service refused a call.
    package var serviceError: AWSServiceError? {
        switch self {
        case .notCreated(let error, _), .oldKeyNotDeleted(let error, _, _, _):
            return (error as? AWSQueryError)?.serviceError
        case .rolledBack(_, .newKeyUnusable(let error), _):
            return (error as? AWSQueryError)?.serviceError
        default:
            return nil
        }
    }

    package var description: String {
        switch self {
        case .spareKey(let advice, let profile, let oldKeyId):
            return """
                \(advice). Then run rotate again. Nothing changed: access key \(oldKeyId) is still \
                stored for profile '\(profile)'
                """
        case .notCreated(let error, let oldKeyId):
            var message = "\(error). Nothing changed: access key \(oldKeyId) is still stored."
            if (error as? AWSQueryError)?.serviceError?.code == "LimitExceeded" {
                message += """
                     The IAM user already has two access keys: delete the one not stored here \
                    ('aws iam list-access-keys', 'aws iam delete-access-key --access-key-id ID') and run \
                    rotate again.
                    """
            }
            return message
        case .rolledBack(let profile, let cause, let state):
            let why: String
            switch cause {
            case .storeFailed(let holder, let error):
                why = "storing the new key for profile '\(holder)' failed: \(error)"
            case .newKeyUnusable(let error):
                why = "the new key did not work with STS GetCallerIdentity: \(error)"
            }
            return "rotation of profile '\(profile)' failed: \(why). Now: " + state.joined(separator: "; ")
        case .oldKeyNotDeleted(let error, let newKeyId, let holders, let oldKeyId):
            let names = holders.map { "'\($0)'" }.joined(separator: ", ")
            return """
                \(error). The new access key \(newKeyId) is stored for profile\(holders.count == 1 ? "" : "s") \
                \(names) and works, but the old key \(oldKeyId) still exists in IAM: delete it with \
                'aws iam delete-access-key --access-key-id \(oldKeyId)'
                """
        }
    }
}
