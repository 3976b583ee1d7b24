import TestSupport
import Testing

@testable import AWSQuery
@testable import CredentialValues
@testable import TextFormats

/// Vectors from AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite): key id
/// `AKIDEXAMPLE`, region us-east-1, service `service`, 2015-08-30T12:36:00Z. Each gives the request, the
/// canonical request, the string to sign and the Authorization header AWS expects.
struct SuiteVector: Sendable, CustomTestStringConvertible {
    var name: String
    var method: String
    var path: String
    var query: String = ""
    var headers: [(String, String)]
    var body: String = ""
    var sessionToken: String? = nil
    var canonicalRequest: String
    var stringToSign: String
    var authorization: String

    var testDescription: String { name }
}

enum Suite {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let date = 1_440_938_160  // 2015-08-30T12:36:00Z
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let scope = "20150830/us-east-1/service/aws4_request"
    static let token =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
    static let host = ("Host", "example.amazonaws.com")
    static let amzDate = ("X-Amz-Date", "20150830T123600Z")

    static func sts(_ hash: String) -> String { "AWS4-HMAC-SHA256\n20150830T123600Z\n\(scope)\n\(hash)" }
    static func authz(_ signed: String, _ signature: String) -> String {
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\(scope), SignedHeaders=\(signed), Signature=\(signature)"
    }
    static func plainCreq(_ method: String, _ path: String, _ query: String = "") -> String {
        "\(method)\n\(path)\n\(query)\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)"
    }

    static let vectors: [SuiteVector] = [
        SuiteVector(
            name: "get-vanilla", method: "GET", path: "/", headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/"),
            stringToSign: sts("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
            authorization: authz(
                "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")),
        SuiteVector(
            name: "get-vanilla-query-order-key-case", method: "GET", path: "/",
            query: "Param2=value2&Param1=value1",
            headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/", "Param1=value1&Param2=value2"),
            stringToSign: sts("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"),
            authorization: authz(
                "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")),
        SuiteVector(
            name: "get-vanilla-query-order-key", method: "GET", path: "/",
            query: "Param1=value2&Param1=Value1",
            headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/", "Param1=Value1&Param1=value2"),
            stringToSign: sts("704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89"),
            authorization: authz(
                "host;x-amz-date", "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1")),
        SuiteVector(
            name: "get-vanilla-query-order-value", method: "GET", path: "/",
            query: "Param1=value2&Param1=value1",
            headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/", "Param1=value1&Param1=value2"),
            stringToSign: sts("c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606"),
            authorization: authz(
                "host;x-amz-date", "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694")),
        SuiteVector(
            name: "get-vanilla-query-unreserved", method: "GET", path: "/",
            query: "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
                + "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            headers: [host, amzDate],
            canonicalRequest: plainCreq(
                "GET", "/",
                "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
                    + "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
            stringToSign: sts("c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177"),
            authorization: authz(
                "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197")),
        SuiteVector(
            name: "get-vanilla-utf8-query", method: "GET", path: "/", query: "\u{1234}=bar",
            headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/", "%E1%88%B4=bar"),
            stringToSign: sts("eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073"),
            authorization: authz(
                "host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")),
        SuiteVector(
            name: "get-vanilla-empty-query-key", method: "GET", path: "/", query: "Param1=value1",
            headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/", "Param1=value1"),
            stringToSign: sts("1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab"),
            authorization: authz(
                "host;x-amz-date", "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb")),
        SuiteVector(
            name: "get-unreserved", method: "GET",
            path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            headers: [host, amzDate],
            canonicalRequest: plainCreq(
                "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
            stringToSign: sts("6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9"),
            authorization: authz(
                "host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f")),
        SuiteVector(
            name: "get-utf8", method: "GET", path: "/\u{1234}", headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/%E1%88%B4"),
            stringToSign: sts("2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102"),
            authorization: authz(
                "host;x-amz-date", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")),
        SuiteVector(
            name: "get-header-key-duplicate", method: "GET", path: "/",
            headers: [
                host, ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1"), amzDate,
            ],
            canonicalRequest:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n\(emptyHash)",
            stringToSign: sts("dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c"),
            authorization: authz(
                "host;my-header1;x-amz-date",
                "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")),
        SuiteVector(
            name: "get-header-value-order", method: "GET", path: "/",
            headers: [
                host, ("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"),
                ("My-Header1", "value2"), amzDate,
            ],
            canonicalRequest:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\n"
                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n\(emptyHash)",
            stringToSign: sts("31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86"),
            authorization: authz(
                "host;my-header1;x-amz-date",
                "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01")),
        SuiteVector(
            name: "get-header-value-trim", method: "GET", path: "/",
            headers: [host, ("My-Header1", " value1"), ("My-Header2", " \"a   b   c\""), amzDate],
            canonicalRequest:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n\(emptyHash)",
            stringToSign: sts("a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"),
            authorization: authz(
                "host;my-header1;my-header2;x-amz-date",
                "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")),
        SuiteVector(
            name: "post-vanilla", method: "POST", path: "/", headers: [host, amzDate],
            canonicalRequest: plainCreq("POST", "/"),
            stringToSign: sts("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"),
            authorization: authz(
                "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")),
        SuiteVector(
            name: "post-header-key-case", method: "POST", path: "/",
            headers: [("HOST", "example.amazonaws.com"), ("x-AMZ-date", "20150830T123600Z")],
            canonicalRequest: plainCreq("POST", "/"),
            stringToSign: sts("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"),
            authorization: authz(
                "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")),
        SuiteVector(
            name: "post-header-value-case", method: "POST", path: "/",
            headers: [host, ("My-Header1", "VALUE1"), amzDate],
            canonicalRequest:
                "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\n"
                + "host;my-header1;x-amz-date\n\(emptyHash)",
            stringToSign: sts("d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93"),
            authorization: authz(
                "host;my-header1;x-amz-date",
                "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d")),
        SuiteVector(
            name: "post-vanilla-query", method: "POST", path: "/", query: "Param1=value1",
            headers: [host, amzDate],
            canonicalRequest: plainCreq("POST", "/", "Param1=value1"),
            stringToSign: sts("9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd"),
            authorization: authz(
                "host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11")),
        SuiteVector(
            name: "post-x-www-form-urlencoded", method: "POST", path: "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), host, amzDate],
            body: "Param1=value1",
            canonicalRequest:
                "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
                + "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
                + "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            stringToSign: sts("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"),
            authorization: authz(
                "content-type;host;x-amz-date",
                "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")),
        SuiteVector(
            name: "post-x-www-form-urlencoded-parameters", method: "POST", path: "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf8"), host, amzDate],
            body: "Param1=value1",
            canonicalRequest:
                "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\nhost:example.amazonaws.com\n"
                + "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
                + "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            stringToSign: sts("2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c"),
            authorization: authz(
                "content-type;host;x-amz-date",
                "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe")),
        SuiteVector(
            name: "post-sts-header-before", method: "POST", path: "/", headers: [host, amzDate],
            sessionToken: token,
            canonicalRequest:
                "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:\(token)\n\n"
                + "host;x-amz-date;x-amz-security-token\n\(emptyHash)",
            stringToSign: sts("c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6"),
            authorization: authz(
                "host;x-amz-date;x-amz-security-token",
                "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")),
        // normalize-path
        SuiteVector(
            name: "get-relative", method: "GET", path: "/example/..", headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/"),
            stringToSign: sts("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
            authorization: authz(
                "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")),
        SuiteVector(
            name: "get-relative-relative", method: "GET", path: "/example1/example2/../..",
            headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/"),
            stringToSign: sts("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
            authorization: authz(
                "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")),
        SuiteVector(
            name: "get-slash", method: "GET", path: "//", headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/"),
            stringToSign: sts("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
            authorization: authz(
                "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")),
        SuiteVector(
            name: "get-slash-dot-slash", method: "GET", path: "/./", headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/"),
            stringToSign: sts("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
            authorization: authz(
                "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")),
        SuiteVector(
            name: "get-slash-pointless-dot", method: "GET", path: "/./example", headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/example"),
            stringToSign: sts("214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702"),
            authorization: authz(
                "host;x-amz-date", "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5")),
        SuiteVector(
            name: "get-slashes", method: "GET", path: "//example//", headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/example/"),
            stringToSign: sts("cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015"),
            authorization: authz(
                "host;x-amz-date", "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84")),
        SuiteVector(
            name: "get-space", method: "GET", path: "/example space/", headers: [host, amzDate],
            canonicalRequest: plainCreq("GET", "/example%20space/"),
            stringToSign: sts("63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86"),
            authorization: authz(
                "host;x-amz-date", "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741")),
    ]
}

extension SuiteVector {
    var signer: SigV4Signer {
        SigV4Signer(
            credentials: AWSCredentials(
                accessKeyId: "AKIDEXAMPLE", secretAccessKey: Suite.secret, sessionToken: sessionToken),
            region: "us-east-1", service: "service")
    }
    var request: SigningRequest {
        SigningRequest(
            method: method, path: path, query: query,
            headers: headers.map { SigningHeader(name: $0.0, value: $0.1) },
            body: Array(body.utf8))
    }
}

@Suite("SigV4")
struct SigV4SignerTests {
    @Test("the suite's date is the one the signer formats")
    func suiteDate() {
        #expect(Timestamp.parse("2015-08-30T12:36:00Z") == Suite.date)
        #expect(SigV4Signer.amzDate(Suite.date) == "20150830T123600Z")
    }

    @Test("canonical request", arguments: Suite.vectors)
    func canonicalRequest(_ vector: SuiteVector) {
        let canonical = vector.signer.canonicalRequest(vector.request, amzDate: "20150830T123600Z")
        #expect(canonical.text == vector.canonicalRequest)
    }

    @Test("string to sign", arguments: Suite.vectors)
    func stringToSign(_ vector: SuiteVector) {
        let text = SigV4Signer.stringToSign(
            amzDate: "20150830T123600Z", scope: vector.signer.credentialScope(amzDate: "20150830T123600Z"),
            canonicalRequest: vector.canonicalRequest)
        #expect(text == vector.stringToSign)
    }

    @Test("Authorization header", arguments: Suite.vectors)
    func authorization(_ vector: SuiteVector) throws {
        let added = try vector.signer.sign(vector.request, date: Suite.date)
        #expect(added.first { $0.name == "Authorization" }?.value == vector.authorization)
        #expect(added.first { $0.name == "X-Amz-Date" }?.value == "20150830T123600Z")
        #expect(added.first { $0.name == "X-Amz-Security-Token" }?.value == vector.sessionToken)
    }

    @Test("signing key from the AWS documentation example")
    func documentedSigningKey() throws {
        let key = try SigV4Signer.signingKey(
            secretAccessKey: Suite.secret, dateStamp: "20120215", region: "us-east-1", service: "iam")
        #expect(ASCIIText.hex(key) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test("signature over a known string to sign")
    func signatureStage() throws {
        let key = try SigV4Signer.signingKey(
            secretAccessKey: Suite.secret, dateStamp: "20150830", region: "us-east-1", service: "service")
        #expect(
            try SigV4Signer.signature(
                signingKey: key,
                stringToSign: Suite.sts("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"))
                == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test("added headers come in a fixed order, token only with a session token")
    func addedHeaders() throws {
        let request = SigningRequest(
            method: "POST", path: "/", headers: [SigningHeader(name: "Host", value: "sts.amazonaws.com")])
        let plain = SigV4Signer(
            credentials: AWSCredentials(accessKeyId: "AKID", secretAccessKey: "SECRET"), region: "us-east-1",
            service: "sts")
        #expect(try plain.sign(request, date: 0).map(\.name) == ["X-Amz-Date", "Authorization"])
        let temporary = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyId: "ASIA", secretAccessKey: "SECRET", sessionToken: "TOKEN"),
            region: "us-east-1", service: "sts")
        #expect(
            try temporary.sign(request, date: 0).map(\.name) == [
                "X-Amz-Date", "X-Amz-Security-Token", "Authorization",
            ])
        // The values botocore's SigV4Auth adds to the same requests (Tests/EndToEnd/sigv4_reference.py).
        #expect(
            try plain.sign(request, date: 0).map(\.value) == [
                "19700101T000000Z",
                "AWS4-HMAC-SHA256 Credential=AKID/19700101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, "
                    + "Signature=25adcaf3be87b0c9fe40163b782424697806fbbce0a2cbdd1bc92ce88f5f1cd9",
            ])
        #expect(
            try temporary.sign(request, date: 0).map(\.value) == [
                "19700101T000000Z", "TOKEN",
                "AWS4-HMAC-SHA256 Credential=ASIA/19700101/us-east-1/sts/aws4_request, "
                    + "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                    + "Signature=c2f5745693dd9b1b177aefc3cb85516b8f25b04024ebeb85033ddb27c33bc177",
            ])
    }

    /// What botocore 1.43 sends for `sts.get_caller_identity()` with a session token: it signs content-type,
    /// host, x-amz-date and x-amz-security-token, and leaves user-agent (and content-length) out.
    @Test("an STS query POST signs what botocore signs")
    func stsQueryPost() {
        let body = Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)
        let request = SigningRequest(
            method: "POST", path: "/",
            headers: [
                SigningHeader(name: "Host", value: "sts.us-east-1.amazonaws.com"),
                SigningHeader(
                    name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
                SigningHeader(name: "User-Agent", value: "awskeyring-helper"),
                SigningHeader(name: "X-Amz-Date", value: "19700101T000000Z"),
                SigningHeader(name: "Authorization", value: "stale"),
            ], body: body)
        let signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"),
            region: "us-east-1", service: "sts")
        let canonical = signer.canonicalRequest(request, amzDate: "20261129T003020Z")
        #expect(canonical.signedHeaders == "content-type;host;x-amz-date;x-amz-security-token")
        #expect(
            canonical.text
                == "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\n"
                + "host:sts.us-east-1.amazonaws.com\nx-amz-date:20261129T003020Z\nx-amz-security-token:TOKEN\n\n"
                + "content-type;host;x-amz-date;x-amz-security-token\n" + SigV4Signer.hexSHA256(body))
    }

    /// Expected values printed by `Tests/EndToEnd/sigv4_reference.py` (botocore 1.43's `SigV4Auth`).
    @Test("matches botocore for an STS AssumeRole POST with a session token")
    func botocoreAssumeRole() throws {
        let request = SigningRequest(
            method: "POST", path: "/",
            headers: [
                SigningHeader(
                    name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
                SigningHeader(name: "User-Agent", value: "x"),
                SigningHeader(name: "Host", value: "sts.us-east-1.amazonaws.com"),
            ],
            body: Array(
                "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev&RoleSessionName=s&Version=2011-06-15"
                    .utf8))
        let signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyId: "AKIDEXAMPLE", secretAccessKey: Suite.secret, sessionToken: "TOKEN/+="),
            region: "eu-west-1", service: "sts")
        #expect(
            try signer.sign(request, date: 1_795_999_820) == [
                SigningHeader(name: "X-Amz-Date", value: "20261130T005020Z"),
                SigningHeader(name: "X-Amz-Security-Token", value: "TOKEN/+="),
                SigningHeader(
                    name: "Authorization",
                    value: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/eu-west-1/sts/aws4_request, "
                        + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
                        + "Signature=073cfcda75179a130860bed5329cd7834a9dc7f14fbd72cc2be76fb244d4b7a4"),
            ])
    }

    @Test("matches botocore for an encoded path, a query and a padded header")
    func botocoreQueryAndPath() throws {
        let request = SigningRequest(
            method: "GET", path: "/a%20b/", query: "b=2&a=~1&c=%2F",
            headers: [
                SigningHeader(name: "Host", value: "example.amazonaws.com"),
                SigningHeader(name: "My-Header", value: "  x   y "),
            ])
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: Suite.secret),
            region: "us-east-1", service: "service")
        #expect(
            try signer.sign(request, date: Suite.date).last?.value
                == Suite.authz(
                    "host;my-header;x-amz-date",
                    "ef7e02af76e6dac4a139dd22a0ba75dba0a96ce37b56bec1299ab81215b2d2be"))
    }

    @Test(
        "query canonicalisation",
        arguments: [
            ("", ""),
            ("b=2&a=1", "a=1&b=2"),
            ("a", "a="),
            ("a=1&&b=2", "a=1&b=2"),
            ("a=b=c", "a=b%3Dc"),
            ("k=a%20b", "k=a%20b"),
            ("k=a b", "k=a%20b"),
            ("k=a+b", "k=a%2Bb"),
            ("k=%zz", "k=%25zz"),
            ("k=%", "k=%25"),
            ("k=%e1%88%b4", "k=%E1%88%B4"),
            ("k=~/", "k=~%2F"),
            ("B=1&a=1", "B=1&a=1"),
        ])
    func query(_ input: String, _ expected: String) {
        #expect(SigV4Signer.canonicalQuery(input) == expected)
    }

    @Test(
        "path canonicalisation",
        arguments: [
            ("", "/"),
            ("/", "/"),
            ("/a/b/", "/a/b/"),
            ("/a%20b", "/a%2520b"),
            ("/../..", "/"),
            ("/a/./b/../c", "/a/c"),
        ])
    func path(_ input: String, _ expected: String) {
        #expect(SigV4Signer.canonicalURI(input) == expected)
    }

    @Test("header values are trimmed and inner whitespace collapsed")
    func headerValues() {
        #expect(SigV4Signer.collapsedWhitespace("  a \t b\r\n c  ") == "a b c")
        #expect(SigV4Signer.collapsedWhitespace("   ") == "")
        let (block, signed) = SigV4Signer.canonicalHeaders([
            SigningHeader(name: " Zed ", value: "1"), SigningHeader(name: "alpha", value: "2"),
            SigningHeader(name: "ALPHA", value: " 3 "),
        ])
        #expect(block == "alpha:2,3\nzed:1\n")
        #expect(signed == "alpha;zed")
    }
}
