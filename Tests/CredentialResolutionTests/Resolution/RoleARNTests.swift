import Testing

@testable import CredentialResolution

@Suite struct RoleARNTests {
    static let arns = [
        "arn:aws:iam::123456789012:role/r", "arn:aws:iam::123456789012:role/path/r",
        "arn:aws-cn:iam::123456789012:role/r", "arn:aws-us-gov:iam::123456789012:role/a:b",
        "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/r/",
        "arn:aws:iam::123456789012:role",
        "arn:aws:iam::12345678901:role/r", "arn:aws:iam::1234567890123:role/r",
        "arn:aws:iam::12345678901x:role/r",
        "arn:aws:iam:us-east-1:123456789012:role/r", "arn:aws:sts::123456789012:role/r",
        "arn:aw:iam::123456789012:role/r", "ARN:aws:iam::123456789012:role/r",
        "arn:aws:iam::123456789012:user/r",
        "arn:aws:iam::123456789012", "arn:aws:iam::", "", ":::::", "arn:aws:iam::123456789012:role/r ",
        " arn:aws:iam::123456789012:role/r", "arn:aws:iam::123456789012:role/\t",
    ]

    @Test(arguments: arns)
    func theByteCheckAgreesWithTheCharacterCheck(_ arn: String) {
        #expect(RoleARN.isValidASCII(arn) == RoleARN.isValidText(arn))
        #expect(RoleARN.isValid(arn) == RoleARN.isValidText(arn))
    }

    @Test func validAndInvalidARNs() {
        #expect(RoleARN.isValid("arn:aws:iam::123456789012:role/path/r"))
        #expect(!RoleARN.isValid("arn:aws:iam::123456789012:role/r/"))
        #expect(!RoleARN.isValid("arn:aws:iam::12345:role/r"))
    }

    @Test func textOutsideASCIIOrWithACarriageReturnIsCheckedOnCharacters() {
        // Twelve Arabic-Indic digits are numbers to Swift: the character check decides, as before.
        let arabic =
            "arn:aws:iam::\u{661}\u{662}\u{663}\u{664}\u{665}\u{666}\u{667}\u{668}\u{669}\u{660}\u{661}\u{662}:role/r"
        #expect(RoleARN.isValidASCII(arabic) == nil)
        #expect(RoleARN.isValid(arabic) == RoleARN.isValidText(arabic))
        let carriageReturn = "arn:aws:iam::123456789012:role/r\r\n"
        #expect(RoleARN.isValidASCII(carriageReturn) == nil)
        #expect(RoleARN.isValid(carriageReturn) == RoleARN.isValidText(carriageReturn))
    }
}
