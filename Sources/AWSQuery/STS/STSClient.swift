import AWSXML
import CredentialValues

/// The STS calls this tool makes, over the query protocol (form-encoded POST, XML answers), signed with
/// SigV4, retried the way the SDKs' standard mode retries, within an overall time bound.
package struct STSClient: Sendable {
    /// The query-protocol machinery (signing, retries, time bound) for the configuration.
    let queryClient: AWSQueryClient

    /// - Parameter connection: transport, clock (signing dates, the deadline, waits between attempts),
    ///   jitter and time limits.
    package init(configuration: STSConfiguration, connection: QueryConnection) {
        queryClient = AWSQueryClient(service: .sts, configuration: configuration, connection: connection)
    }

    package struct AssumeRoleParameters: Sendable, Equatable {
        package var roleArn: String
        package var sessionName: String
        package var durationSeconds: Int?
        package var externalId: String?
        package var serialNumber: String?
        package var tokenCode: String?

        package init(
            roleArn: String, sessionName: String, durationSeconds: Int? = nil, externalId: String? = nil,
            serialNumber: String? = nil, tokenCode: String? = nil
        ) {
            self.roleArn = roleArn
            self.sessionName = sessionName
            self.durationSeconds = durationSeconds
            self.externalId = externalId
            self.serialNumber = serialNumber
            self.tokenCode = tokenCode
        }
    }

    package func assumeRole(_ parameters: AssumeRoleParameters, with credentials: AWSCredentials)
        throws(AWSQueryError)
        -> STSCredentialsResult
    {
        var form: [(String, String)] = [
            ("RoleArn", parameters.roleArn), ("RoleSessionName", parameters.sessionName),
        ]
        if let duration = parameters.durationSeconds { form.append(("DurationSeconds", String(duration))) }
        if let externalId = parameters.externalId { form.append(("ExternalId", externalId)) }
        if let serial = parameters.serialNumber { form.append(("SerialNumber", serial)) }
        if let code = parameters.tokenCode { form.append(("TokenCode", code)) }
        let body = try call(
            "AssumeRole", form, credentials: credentials, describing: "AssumeRole \(parameters.roleArn)")
        return try parse("AssumeRole \(parameters.roleArn)") { () throws(STSResponseError) in
            try STSResponse.credentials(from: body, action: "AssumeRole")
        }
    }

    /// AssumeRoleWithWebIdentity: unsigned (the token is the proof), so it needs no credentials.
    package func assumeRoleWithWebIdentity(
        roleArn: String, sessionName: String, webIdentityToken: String, durationSeconds: Int? = nil
    ) throws(AWSQueryError) -> STSCredentialsResult {
        var form: [(String, String)] = [
            ("RoleArn", roleArn), ("RoleSessionName", sessionName), ("WebIdentityToken", webIdentityToken),
        ]
        if let duration = durationSeconds { form.append(("DurationSeconds", String(duration))) }
        let what = "AssumeRoleWithWebIdentity \(roleArn)"
        let body = try call("AssumeRoleWithWebIdentity", form, credentials: nil, describing: what)
        return try parse(what) { () throws(STSResponseError) in
            try STSResponse.credentials(from: body, action: "AssumeRoleWithWebIdentity")
        }
    }

    package func getSessionToken(
        durationSeconds: Int?, serialNumber: String?, tokenCode: String?, with credentials: AWSCredentials
    ) throws(AWSQueryError) -> STSCredentialsResult {
        var form: [(String, String)] = []
        if let duration = durationSeconds { form.append(("DurationSeconds", String(duration))) }
        if let serial = serialNumber { form.append(("SerialNumber", serial)) }
        if let code = tokenCode { form.append(("TokenCode", code)) }
        let body = try call("GetSessionToken", form, credentials: credentials, describing: "GetSessionToken")
        return try parse("GetSessionToken") { () throws(STSResponseError) in
            try STSResponse.credentials(from: body, action: "GetSessionToken")
        }
    }

    /// GetFederationToken: temporary credentials for a federated user, made with an IAM user's long-term
    /// keys (the federation endpoint takes these, not the keys themselves or an MFA session). AWS needs
    /// a session policy for the federated user to have any permission; `policy` is that document.
    package func getFederationToken(
        name: String, policy: String, durationSeconds: Int, with credentials: AWSCredentials
    ) throws(AWSQueryError) -> STSCredentialsResult {
        let form: [(String, String)] = [
            ("Name", name), ("Policy", policy), ("DurationSeconds", String(durationSeconds)),
        ]
        let body = try call(
            "GetFederationToken", form, credentials: credentials, describing: "GetFederationToken")
        return try parse("GetFederationToken") { () throws(STSResponseError) in
            try STSResponse.credentials(from: body, action: "GetFederationToken")
        }
    }

    package func getCallerIdentity(with credentials: AWSCredentials) throws(AWSQueryError) -> CallerIdentity {
        let body = try call(
            "GetCallerIdentity", [], credentials: credentials, describing: "GetCallerIdentity")
        return try parse("GetCallerIdentity") { () throws(STSResponseError) in
            try STSResponse.callerIdentity(from: body)
        }
    }

    private func parse<T>(_ what: String, _ body: () throws(STSResponseError) -> T) throws(AWSQueryError) -> T
    {
        do {
            return try body()
        } catch {
            throw .unreadableResponse(service: "STS", call: what, reason: error.description)
        }
    }

    /// Sends one action and returns the body of its successful answer, retrying what may succeed later.
    /// Without `credentials` the request goes unsigned.
    func call(
        _ action: String, _ parameters: [(String, String)], credentials: AWSCredentials?,
        describing what: String
    )
        throws(AWSQueryError) -> [UInt8]
    {
        try queryClient.call(action, parameters, credentials: credentials, describing: what)
    }
}
