import AWSConfigFile
import CredentialResolution
import CredentialValues

/// The environment of a command run under `exec --server`: the endpoint's URL and token, the profile's
/// region, and none of the variables that an SDK would prefer to the container credentials endpoint.
package enum ServerChildEnvironment {
    /// Variables that come before the container provider in the SDKs' credential chains (static keys,
    /// a profile, web identity) or would replace this endpoint's URL or token
    /// (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` beats the full URI in botocore, a token file beats the
    /// token).
    package static let removed =
        ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY", "AWS_SECRET_KEY"]
        + CredentialEnvironment.conflicting

    /// `environment` made ready for the command.
    package static func make(
        environment: [String: String], profile: String, files: AWSConfigFiles, url: String,
        token: AuthorizationToken
    ) -> [String: String] {
        var result = environment
        for name in removed { result[name] = nil }
        // The region variables `exec` sets; the keys themselves are left out.
        let placeholder = AWSCredentials(accessKeyId: "", secretAccessKey: "")
        let variables = CredentialEnvironment(
            credentials: placeholder, profile: profile, files: files, environment: environment
        ).variables
        for (name, value) in variables where name == "AWS_REGION" || name == "AWS_DEFAULT_REGION" {
            result[name] = value
        }
        result["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = url
        result["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token.value
        return result
    }

    /// Settings of the `default` profile that SDKs take before the container endpoint (with no
    /// `AWS_PROFILE`, the command's SDKs read `default`): a note names them, since they would win.
    package static func competingDefaultSettings(files: AWSConfigFiles) -> [String] {
        CredentialEnvironment.competingDefaultSettings(files: files)
    }
}
