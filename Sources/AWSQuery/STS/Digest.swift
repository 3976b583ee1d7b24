import CDigest

/// SHA-256 and HMAC-SHA-256 for request signing and cache keys (see CDigest: libmd and OpenSSL's
/// libcrypto).
package enum Digest {
    package static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { output in
                awskh_sha256(input.baseAddress, input.count, output.baseAddress)
            }
        }
        return digest
    }

    package static func hmacSHA256(key: [UInt8], message: [UInt8]) throws(DigestUnavailable) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 32)
        var reason = [CChar](repeating: 0, count: 256)
        let status = key.withUnsafeBufferPointer { key in
            message.withUnsafeBufferPointer { message in
                mac.withUnsafeMutableBufferPointer { mac in
                    reason.withUnsafeMutableBufferPointer { reason in
                        awskh_hmac_sha256(
                            key.baseAddress, key.count, message.baseAddress, message.count, mac.baseAddress,
                            reason.baseAddress, reason.count)
                    }
                }
            }
        }
        guard status == 0 else {
            let bytes = reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw DigestUnavailable(reason: String(decoding: bytes, as: UTF8.self))
        }
        return mac
    }
}

/// libcrypto could not be loaded or could not compute an HMAC; `reason` says which.
package struct DigestUnavailable: Error, Sendable, Equatable {
    package var reason: String
}
