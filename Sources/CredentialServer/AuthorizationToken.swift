import TextFormats

/// The secret a child process presents to the credentials endpoint in its `Authorization` header. New
/// for every run, handed over only in the child's environment (never argv), and compared in constant
/// time so its bytes cannot be guessed from response times.
package struct AuthorizationToken: Sendable, Equatable {
    /// 64 hexadecimal digits: a valid header value with no quoting.
    package let value: String

    /// 32 bytes from the system's CSPRNG (`SystemRandomNumberGenerator`: getrandom(2) on Linux).
    package static func random() -> AuthorizationToken {
        var generator = SystemRandomNumberGenerator()
        return AuthorizationToken(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    init(bytes: [UInt8]) {
        value = ASCIIText.hex(bytes)
    }

    /// Whether `presented` is this token. Every byte is looked at whatever the first difference, so the
    /// time taken says nothing about how much of a guess was right (the length is no secret).
    package func matches(_ presented: String?) -> Bool {
        guard let presented else { return false }
        let expected = Array(value.utf8)
        let given = Array(presented.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices {
            difference |= expected[index] ^ given[index]
        }
        return difference == 0
    }
}
