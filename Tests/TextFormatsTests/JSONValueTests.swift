import Testing

@testable import CredentialValues
@testable import TextFormats

@Suite struct JSONValueTests {
    @Test func compactTextKeepsMemberOrder() {
        let value = JSONValue.object([("b", .integer(1)), ("a", .array([.bool(true), .null, .string("x")]))])
        #expect(value.text == #"{"b": 1, "a": [true, null, "x"]}"#)
    }

    @Test func escapesControlCharactersQuotesAndLineSeparators() {
        let value = JSONValue.string("a\"b\\c\n\t\u{1}\u{7F}\u{2028}é")
        #expect(value.text == #""a\"b\\c\n\t\u0001\u007f\u2028é""#)
    }

    @Test func prettyTextIndents() {
        let value = JSONValue.object([("a", .object([("b", .string("c"))])), ("d", .array([]))])
        #expect(value.prettyText == "{\n  \"a\": {\n    \"b\": \"c\"\n  },\n  \"d\": []\n}")
    }

    @Test func processDocumentForLongLivedKeysHasNoTokenOrExpiration() {
        let document = AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "s")
            .processDocument
        #expect(
            document.text == #"{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "s"}"#
        )
    }

    @Test func processDocumentForTemporaryCredentials() {
        let credentials = AWSCredentials(
            accessKeyId: "ASIA", secretAccessKey: "s", sessionToken: "t", expiration: 1_795_827_723)
        #expect(
            credentials.processDocument.text
                == #"{"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-11-28T01:02:03Z"}"#
        )
    }
}
