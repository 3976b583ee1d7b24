import TextFormats

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `JSONDecoding` by FoundationEssentials' JSONDecoder.
package struct FoundationJSONDecoding: JSONDecoding {
    package init() {}

    package func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    /// Standard base64 (as Go's encoding/json writes a byte slice); nil when it is not.
    package func base64Decoded(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text).map { Array($0) }
    }
}
