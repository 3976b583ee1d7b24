/// Reads and writes JSON documents through Codable: a credential_process's output, a metadata
/// service's answer, stored keys. FoundationEssentials' JSONDecoder and JSONEncoder do the work
/// (`FoundationJSONCoder`); this protocol lets the code that needs them be linked without them, so the
/// program that answers cached calls does not start FoundationEssentials on every call.
package protocol JSONCoder: Sendable {
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T
    /// The document with object members in sorted order.
    func encodeSorted<T: Encodable>(_ value: T) throws -> [UInt8]
}

