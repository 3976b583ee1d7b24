/// An IAM answer that is not the document its action returns; `reason` never quotes the body (a new
/// key's secret may be in it).
package struct IAMResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Action: String, Sendable, Equatable {
        case listAccessKeys = "ListAccessKeys"
        case createAccessKey = "CreateAccessKey"
    }

    package var action: Action
    package var reason: String

    package init(action: Action, reason: String) {
        self.action = action
        self.reason = reason
    }

    package var description: String {
        let text = "IAM \(action.rawValue) sent a response that could not be read (\(reason))"
        switch action {
        case .listAccessKeys: return text
        case .createAccessKey:
            return text + "; a new key may have been created: check with 'aws iam list-access-keys'"
        }
    }
}
