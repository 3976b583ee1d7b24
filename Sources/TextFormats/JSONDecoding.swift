/// Reads JSON documents through Decodable: a credential_process's output, a metadata service's
/// answer, stored keys in a layout `store` does not write. FoundationEssentials' JSONDecoder does the
/// work (`FoundationJSONDecoding`); this protocol lets the code that needs it be linked without it, so
/// the program that answers cached calls does not start FoundationEssentials on every call.
package protocol JSONDecoding: Sendable {
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T
}

/// The `JSONDecoding` of a program that links no JSON implementation (the one that answers cached
/// calls, which never reads a document): every document is refused.
package struct NoJSONDecoding: JSONDecoding {
    package init() {}

    package func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        throw JSONUnavailable()
    }
}

package struct JSONUnavailable: Error, CustomStringConvertible {
    package var description: String { "this program reads no JSON documents" }
}
