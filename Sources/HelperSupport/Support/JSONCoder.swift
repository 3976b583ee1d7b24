/// Reads and writes JSON documents through Codable: a credential_process's output, a metadata
/// service's answer, stored keys. FoundationEssentials' JSONDecoder and JSONEncoder do the work
/// (`FoundationJSONCoder`); this protocol lets the code that needs them be linked without them, so the
/// program that answers cached calls does not start FoundationEssentials on every call.
package protocol JSONCoder: Sendable {
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T
    /// The document with object members in sorted order.
    func encodeSorted<T: Encodable>(_ value: T) throws -> [UInt8]
}

/// The `JSONCoder` of a program that links no JSON implementation (the one that answers cached calls,
/// which never reads a document): every document is refused.
package struct NoJSONCoder: JSONCoder {
    package init() {}

    package func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        throw JSONUnavailable()
    }

    package func encodeSorted<T: Encodable>(_ value: T) throws -> [UInt8] {
        throw JSONUnavailable()
    }
}

package struct JSONUnavailable: Error, CustomStringConvertible {
    package var description: String { "this program reads and writes no JSON documents" }
}
