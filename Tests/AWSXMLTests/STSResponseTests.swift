import Testing

@testable import AWSXML
@testable import CredentialValues
@testable import TextFormats

@Suite("STSResponse")
struct STSResponseTests {
    // Bodies as moto 5.2 sends them (captured from its STS backend).
    static let motoAssumeRole =
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials>"
        + "<AccessKeyId>ASIARZPUZDIKPZ3PLS63</AccessKeyId>"
        + "<SecretAccessKey>MAy2ks5HWZ7M1x/g3GAMUa1yVG5kWUp9HfwUz8xh</SecretAccessKey>"
        + "<SessionToken>FQoGZXIvYXdzEBYaDI8aa5lnAeWmWmdI1Wc+4M64LOKUKUQFLXEIDr73/rsNi/E7W05mWna0YCMPuBbBm1eXyitrZyt"
        + "/tkTQ2NeyJeGInax5PY+q3MIuS/GbuFkrbk/swdJU1SI7t8+C5lxjFSCuL3nROUvoPWXGIlixS65UorqYhi5M3P+a3XhqltCfew"
        + "ynM4/AKWoSKUIKdjC9yWqlikkHYuBu+vjCg0NSiWVWt0xCQoM/eR1sj5+ntkbHZkTvng71xcF/AjF7lFyT20D4txLLgzyf7+/IAF"
        + "OMIzrtc5NwN+GRvz6cu796VnDtEpHr8+YTrG7EkZbdV5fiu6KY9Jhi2V03WtIZrRU=</SessionToken>"
        + "<Expiration>2026-11-29T01:31:14.196968Z</Expiration></Credentials><AssumedRoleUser>"
        + "<AssumedRoleId>AROA3X42LBCDYX6LKG4SB:sess</AssumedRoleId>"
        + "<Arn>arn:aws:sts::123456789012:assumed-role/dev/sess</Arn></AssumedRoleUser>"
        + "<PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata>"
        + "<RequestId>Kkg3PyMvkHqla7IUQi6XiO0DFTGzRgMiSL1eKCv1EvF5sPswnlXM</RequestId></ResponseMetadata>"
        + "</AssumeRoleResponse>"

    static let motoSessionToken =
        "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetSessionTokenResult>"
        + "<Credentials><AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>"
        + "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>"
        + "<SessionToken>AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT+FvwqnKwRcOIfrRh3c/LTo6UDdyJwOOvEVPvLX"
        + "CrrrUtdnniCEXAMPLE/IvU1dYUg2RVAJBanLiHb4IgRmpRV3zrkuWJOgQs8IZZaIv2BXIa2R4OlgkBN9bkUDNCJiBeb/AXlzBBko7b15f"
        + "jrBs2+cTQtpZ3CYWFXG8C5zqx37wnOE49mRl/+OtkIKGO7fAE</SessionToken>"
        + "<Expiration>2026-11-29T00:46:14.189901Z</Expiration></Credentials></GetSessionTokenResult>"
        + "<ResponseMetadata><RequestId>QEjqZUl2ChIiX8VKnX5QPmiWutO4QjGevjrBGCKyLQV77a2UIehI</RequestId>"
        + "</ResponseMetadata></GetSessionTokenResponse>"

    static let motoWebIdentity =
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        + "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIARZPUZDIKLZ5KFCH7</AccessKeyId>"
        + "<SecretAccessKey>L9xeh+AmwduFxg6Biy751fts75WGM3g9BwMC36dV</SecretAccessKey>"
        + "<SessionToken>FQoGZXIvYXdzEBYaD9McqfDzukPV0grILRU9NvkCySVw2tbCK6cIAok878OMXm7wAvyv1hoPLG8ptmcU=</SessionToken>"
        + "<Expiration>2026-11-29T01:31:14.199507Z</Expiration></Credentials><AssumedRoleUser>"
        + "<AssumedRoleId>ARO123EXAMPLE123:sess</AssumedRoleId>"
        + "<Arn>arn:aws:sts::123456789012:assumed-role/dev/sess</Arn></AssumedRoleUser>"
        + "<PackedPolicySize>6</PackedPolicySize></AssumeRoleWithWebIdentityResult><ResponseMetadata>"
        + "<RequestId>qB0EMZmqlr9hDiE5s4oGOkoy4TBMh6rc1kJsPxLPnOcvNPLxLBiq</RequestId></ResponseMetadata>"
        + "</AssumeRoleWithWebIdentityResponse>"

    static let motoCallerIdentity =
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
        + "<UserId>AROA3X42LBCDB4OE72QOS:sess</UserId><Account>123456789012</Account>"
        + "<Arn>arn:aws:sts::123456789012:assumed-role/dev/sess</Arn></GetCallerIdentityResult><ResponseMetadata>"
        + "<RequestId>QMc2RwTD7RhTosw83SdQp3IRg8kNfslrNDRt64MH77g4FRlvbbZf</RequestId></ResponseMetadata>"
        + "</GetCallerIdentityResponse>"

    /// Laid out like the example in the AssumeRole API reference: declaration, indentation, members in
    /// another order, whitespace around values.
    static let documentedAssumeRole = """
        <?xml version="1.0" encoding="UTF-8"?>
        <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
        <AssumeRoleResult>
        <SourceIdentity>Alice</SourceIdentity>
          <AssumedRoleUser>
            <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
            <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
          </AssumedRoleUser>
          <Credentials>
            <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
            <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
            <SessionToken>
             AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==
            </SessionToken>
            <Expiration>2019-11-09T13:34:41Z</Expiration>
          </Credentials>
          <PackedPolicySize>6</PackedPolicySize>
        </AssumeRoleResult>
        <ResponseMetadata>
          <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
        </ResponseMetadata>
        </AssumeRoleResponse>

        """

    static let motoError =
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
        + "<Code>ValidationError</Code><Message>1 validation error detected: Value 'ssss' at 'roleSessionName' "
        + "failed to satisfy constraint: Member must have length less than or  equal to 64</Message></Error>"
        + "<RequestId>WpwPjXJxY6eVm9dzVgI39C6Xz9P1qr0Fj9ckpU0FD0NISuMMhK7G</RequestId></ErrorResponse>"

    static let errorCases: [(String, AWSServiceError)] = [
        (
            motoError,
            AWSServiceError(
                code: "ValidationError",
                message: "1 validation error detected: Value 'ssss' at 'roleSessionName' failed to satisfy "
                    + "constraint: Member must have length less than or  equal to 64", type: "Sender",
                requestId: "WpwPjXJxY6eVm9dzVgI39C6Xz9P1qr0Fj9ckpU0FD0NISuMMhK7G")
        ),
        (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: "
                + "arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole</Message>"
                + "</Error><RequestId>r</RequestId></ErrorResponse>",
            AWSServiceError(
                code: "AccessDenied",
                message:
                    "User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole",
                type: "Sender", requestId: "r")
        ),
        (
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error><Code>InvalidClientTokenId"
                + "</Code><Message>The security token included in the request is invalid.</Message>"
                + "<Type>Sender</Type></Error></Errors></ErrorResponse>",
            AWSServiceError(
                code: "InvalidClientTokenId",
                message: "The security token included in the request is invalid.",
                type: "Sender")
        ),
        (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>ExpiredToken</Code>"
                + "<Message>The security token included in the request is expired</Message></Error></Errors>"
                + "<RequestID>r</RequestID></Response>",
            AWSServiceError(
                code: "ExpiredToken", message: "The security token included in the request is expired",
                requestId: "r")
        ),
        (
            "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>",
            AWSServiceError(code: "Throttling", message: "")
        ),
    ]

    static let badMemberCases: [(String, String)] = [
        ("<AssumeRoleResponse></AssumeRoleResponse>", "AssumeRoleResponse has no AssumeRoleResult"),
        (
            "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>",
            "AssumeRoleResult has no Credentials"
        ),
        (
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                + "<SecretAccessKey>S</SecretAccessKey><Expiration>2026-11-29T01:02:03Z</Expiration>"
                + "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
            "Credentials has no SessionToken"
        ),
        (
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                + "<AccessKeyId>B</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
                + "<Expiration>2026-11-29T01:02:03Z</Expiration></Credentials></AssumeRoleResult>"
                + "</AssumeRoleResponse>",
            "AccessKeyId appears more than once"
        ),
        (
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                + "<SecretAccessKey> </SecretAccessKey><SessionToken>T</SessionToken>"
                + "<Expiration>2026-11-29T01:02:03Z</Expiration></Credentials></AssumeRoleResult>"
                + "</AssumeRoleResponse>",
            "Credentials/SecretAccessKey is empty"
        ),
        (
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId><x/></AccessKeyId>"
                + "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
                + "<Expiration>2026-11-29T01:02:03Z</Expiration></Credentials></AssumeRoleResult>"
                + "</AssumeRoleResponse>",
            "Credentials/AccessKeyId is not a simple value"
        ),
        (
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                + "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
                + "<Expiration>1795914123</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
            "Credentials/Expiration is not an ISO 8601 timestamp"
        ),
        (
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
                + "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
                + "<Expiration>2026-11-29T01:02:03Z</Expiration></Credentials><AssumedRoleUser/>"
                + "</AssumeRoleResult></AssumeRoleResponse>",
            "AssumedRoleUser has no Arn"
        ),
    ]

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("AssumeRole as moto sends it, fractional expiration")
    func assumeRole() throws {
        let result = try STSResponse.credentials(from: Self.bytes(Self.motoAssumeRole), action: "AssumeRole")
        #expect(result.credentials.accessKeyId == "ASIARZPUZDIKPZ3PLS63")
        #expect(result.credentials.secretAccessKey == "MAy2ks5HWZ7M1x/g3GAMUa1yVG5kWUp9HfwUz8xh")
        #expect(result.credentials.sessionToken?.hasPrefix("FQoGZXIvYXdzEBYaDI8aa5l") == true)
        #expect(result.credentials.sessionToken?.hasSuffix("V03WtIZrRU=") == true)
        #expect(result.credentials.expiration == Timestamp.parse("2026-11-29T01:31:14Z"))
        #expect(result.assumedRoleArn == "arn:aws:sts::123456789012:assumed-role/dev/sess")
    }

    @Test("GetSessionToken as moto sends it, no assumed role")
    func sessionToken() throws {
        let result = try STSResponse.credentials(
            from: Self.bytes(Self.motoSessionToken), action: "GetSessionToken")
        #expect(result.credentials.accessKeyId == "AKIAIOSFODNN7EXAMPLE")
        #expect(result.credentials.secretAccessKey == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY")
        #expect(result.credentials.expiration == Timestamp.parse("2026-11-29T00:46:14Z"))
        #expect(result.assumedRoleArn == nil)
    }

    @Test("AssumeRoleWithWebIdentity as moto sends it")
    func webIdentity() throws {
        let result = try STSResponse.credentials(
            from: Self.bytes(Self.motoWebIdentity), action: "AssumeRoleWithWebIdentity")
        #expect(result.credentials.accessKeyId == "ASIARZPUZDIKLZ5KFCH7")
        #expect(result.credentials.expiration == Timestamp.parse("2026-11-29T01:31:14Z"))
        #expect(result.assumedRoleArn == "arn:aws:sts::123456789012:assumed-role/dev/sess")
    }

    /// The session token of AWS's documented examples (the SigV4 test suite's too).
    static let documentedToken =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

    @Test("the documented AssumeRole example, pretty-printed")
    func documented() throws {
        let result = try STSResponse.credentials(
            from: Self.bytes(Self.documentedAssumeRole), action: "AssumeRole")
        #expect(
            result.credentials
                == AWSCredentials(
                    accessKeyId: "ASIAIOSFODNN7EXAMPLE",
                    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
                    sessionToken: Self.documentedToken, expiration: 1_573_306_481))
        #expect(result.assumedRoleArn == "arn:aws:sts::123456789012:assumed-role/demo/TestAR")
    }

    @Test("whole-second and fractional expirations agree")
    func expirations() throws {
        for expiration in ["2026-11-29T01:02:03Z", "2026-11-29T01:02:03.123Z", "2026-11-29T01:02:03.123456Z"]
        {
            let body = Self.motoSessionToken.replacingOccurrences(
                "2026-11-29T00:46:14.189901Z", with: expiration, once: true)
            let result = try STSResponse.credentials(from: Self.bytes(body), action: "GetSessionToken")
            #expect(result.credentials.expiration == 1_795_914_123)
        }
    }

    @Test("GetCallerIdentity")
    func callerIdentity() throws {
        #expect(
            try STSResponse.callerIdentity(from: Self.bytes(Self.motoCallerIdentity))
                == CallerIdentity(
                    account: "123456789012", arn: "arn:aws:sts::123456789012:assumed-role/dev/sess",
                    userId: "AROA3X42LBCDB4OE72QOS:sess"))
        let prefixed =
            "<sts:GetCallerIdentityResponse xmlns:sts=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            + "<sts:GetCallerIdentityResult><sts:Arn>arn:aws:iam::123456789012:user/moto</sts:Arn>"
            + "<sts:UserId>AKIAIOSFODNN7EXAMPLE</sts:UserId><sts:Account>123456789012</sts:Account>"
            + "</sts:GetCallerIdentityResult></sts:GetCallerIdentityResponse>"
        #expect(try STSResponse.callerIdentity(from: Self.bytes(prefixed)).userId == "AKIAIOSFODNN7EXAMPLE")
    }

    @Test("entities and CDATA in values")
    func escapedValues() throws {
        let body =
            "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>&#49;23456789012</Account>"
            + "<Arn><![CDATA[arn:aws:iam::123456789012:user/a&b]]></Arn><UserId>AID&amp;&lt;&#x41;</UserId>"
            + "</GetCallerIdentityResult></GetCallerIdentityResponse>"
        #expect(
            try STSResponse.callerIdentity(from: Self.bytes(body))
                == CallerIdentity(
                    account: "123456789012", arn: "arn:aws:iam::123456789012:user/a&b", userId: "AID&<A"))
    }

    @Test("STS error documents in the shapes moto and AWS send", arguments: errorCases)
    func serviceErrors(_ body: String, _ expected: AWSServiceError) {
        #expect(STSResponse.serviceError(from: Self.bytes(body)) == expected)
    }

    @Test("AWSServiceError describes itself")
    func serviceErrorDescription() {
        #expect(
            AWSServiceError(code: "AccessDenied", message: "Not authorized", type: "Sender").description
                == "AccessDenied: Not authorized")
    }

    @Test("STS rejecting an MFA code is told from other refusals by its code and message")
    func rejectedMFACodes() {
        let rejected = AWSServiceError(
            code: "AccessDenied",
            message: "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
        #expect(rejected.isRejectedMFACode)
        #expect(!AWSServiceError(code: "AccessDenied", message: "User is not authorized").isRejectedMFACode)
        #expect(!AWSServiceError(code: "ValidationError", message: "MFA serial is invalid").isRejectedMFACode)
    }

    @Test(
        "bodies that are not STS error documents",
        arguments: [
            motoAssumeRole, motoCallerIdentity, "", "{\"Error\":{\"Code\":\"AccessDenied\"}}",
            "<html><body>Forbidden</body></html>",
            "<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>",
            "<ErrorResponse><Error><Code></Code></Error></ErrorResponse>",
            "<ErrorResponse><Error><Code>X</Code>",
            "<Other><Error><Code>X</Code></Error></Other>",
        ])
    func notServiceErrors(_ body: String) {
        #expect(STSResponse.serviceError(from: Self.bytes(body)) == nil)
    }

    func reason(_ body: String, action: String = "AssumeRole") -> String? {
        reason(Self.bytes(body), action: action)
    }

    func reason(_ body: [UInt8], action: String = "AssumeRole") -> String? {
        do {
            _ = try STSResponse.credentials(from: body, action: action)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("an error document where credentials were expected")
    func errorInsteadOfCredentials() {
        #expect(reason(Self.motoError) == "an error document where a AssumeRoleResponse was expected")
        #expect(
            STSResponseError(reason: "x").description == "unreadable STS response: x")
    }

    @Test("the wrong action's document")
    func wrongAction() {
        #expect(reason(Self.motoSessionToken) == "the document is not a AssumeRoleResponse")
        #expect(
            reason(Self.motoAssumeRole, action: "GetSessionToken")
                == "the document is not a GetSessionTokenResponse")
        #expect(throws: STSResponseError.self) {
            try STSResponse.callerIdentity(from: Self.bytes(Self.motoAssumeRole))
        }
    }

    @Test("missing, repeated, empty or odd members", arguments: badMemberCases)
    func badMembers(_ body: String, _ expected: String) {
        #expect(reason(body) == expected)
    }

    @Test(
        "bodies that are not XML",
        arguments: [
            "", "{\"Credentials\":{\"AccessKeyId\":\"A\"}}",
            "<!DOCTYPE html><html><body>Bad Gateway</body></html>",
            "<html><body>Bad Gateway<br></body></html>", "Service Unavailable", "<AssumeRoleResponse>",
        ])
    func notXML(_ body: String) {
        #expect(reason(body)?.hasPrefix("not a well-formed XML document (") == true)
    }

    @Test("binary and oversized bodies")
    func binaryAndHuge() {
        #expect(
            reason([0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFE])
                == "not a well-formed XML document (the document is not valid UTF-8)")
        let huge = Self.bytes(Self.motoAssumeRole) + [UInt8](repeating: 0x20, count: XMLReader.maximumSize)
        #expect(
            reason(huge)
                == "not a well-formed XML document (the document is larger than \(XMLReader.maximumSize) bytes)"
        )
    }

    @Test("every truncation is refused, and no reason quotes the body")
    func truncated() {
        let body = Self.bytes(Self.motoAssumeRole)
        for length in 0..<body.count {
            let why = reason(Array(body[..<length]))
            #expect(why != nil, "prefix of \(length) bytes")
            #expect(why?.contains("MAy2ks5") != true)
            #expect(why?.contains("FQoGZXIv") != true)
        }
    }

    @Test("junk after the document, mismatched tags")
    func junk() {
        #expect(reason(Self.motoAssumeRole + "<extra/>")?.contains("content after the root element") == true)
        #expect(reason(Self.motoAssumeRole + "\u{0}")?.contains("a character XML does not allow") == true)
        let mismatched = Self.motoAssumeRole.replacingOccurrences(
            "</SecretAccessKey>", with: "</SessionToken>", once: true)
        #expect(reason(mismatched)?.contains("an end tag does not match its start tag") == true)
    }
}
