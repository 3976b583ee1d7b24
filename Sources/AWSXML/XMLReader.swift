import TextFormats

/// One element of a parsed XML document. Namespaces are not resolved: `name` is the qualified name as
/// written and `localName` the part after any prefix.
package struct XMLElement: Sendable, Equatable {
    package var name: String
    package var attributes: [XMLAttribute] = []
    package var children: [XMLElement] = []
    /// The character data directly inside this element (text, entities and CDATA), concatenated.
    package var text: String = ""

    package var localName: Substring {
        if let colon = name.lastIndex(of: ":") { return name[name.index(after: colon)...] }
        return name[...]
    }

    /// Children whose local name is `localName`.
    package func children(named localName: String) -> [XMLElement] {
        children.filter { $0.localName == localName }
    }
}

package struct XMLAttribute: Sendable, Equatable {
    package var name: String
    package var value: String
}

/// Why a body is not a well-formed document this reader accepts. The description names a byte offset,
/// never the document's content.
package struct XMLReadError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        case empty
        case tooLarge
        case notUTF8
        case forbiddenCharacter
        case unexpectedEnd
        case malformed
        case mismatchedTag
        case tooDeep
        case unknownEntity
        case doctypeNotSupported
        case contentAfterRoot
        case noRootElement
    }

    package var kind: Kind
    package var offset: Int

    package var description: String {
        let what: String
        switch kind {
        case .empty: what = "the document is empty"
        case .tooLarge: what = "the document is larger than \(XMLReader.maximumSize) bytes"
        case .notUTF8: what = "the document is not valid UTF-8"
        case .forbiddenCharacter: what = "a character XML does not allow"
        case .unexpectedEnd: what = "the document ends before it is complete"
        case .malformed: what = "malformed markup"
        case .mismatchedTag: what = "an end tag does not match its start tag"
        case .tooDeep: what = "elements nested deeper than \(XMLReader.maximumDepth)"
        case .unknownEntity: what = "an unknown or invalid entity or character reference"
        case .doctypeNotSupported: what = "a document type declaration (not supported)"
        case .contentAfterRoot: what = "content after the root element"
        case .noRootElement: what = "no root element"
        }
        return kind == .empty || kind == .tooLarge || kind == .notUTF8 ? what : "\(what) at byte \(offset)"
    }
}

/// A small, strict, non-validating XML 1.0 reader for service responses: elements, attributes (parsed,
/// kept, not interpreted), character data with the five predefined entities and numeric character
/// references, CDATA sections, comments, processing instructions and the XML declaration. Document type
/// declarations are refused, so there are no external or user-defined entities. Input size and nesting
/// depth are bounded; every loop consumes input, so any byte string ends in a document or an error.
package struct XMLReader {
    static let maximumSize = 1 << 20
    static let maximumDepth = 64

    package static func parse(_ bytes: [UInt8]) throws(XMLReadError) -> XMLElement {
        guard !bytes.isEmpty else { throw XMLReadError(kind: .empty, offset: 0) }
        guard bytes.count <= maximumSize else { throw XMLReadError(kind: .tooLarge, offset: 0) }
        guard isValidUTF8(bytes) else {
            throw XMLReadError(kind: .notUTF8, offset: 0)
        }
        var reader = XMLReader(bytes: bytes)
        return try reader.document()
    }

    /// Validates with the standard library's decoder (`String(validating:)` needs macOS 15).
    private static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    private let bytes: [UInt8]
    private var position = 0

    private static let xmlDeclarationStart: [UInt8] = Array("<?xml".utf8)
    private static let commentStart: [UInt8] = Array("<!--".utf8)
    private static let piStart: [UInt8] = Array("<?".utf8)
    private static let doctypeStart: [UInt8] = Array("<!DOCTYPE".utf8)
    private static let endTagStart: [UInt8] = Array("</".utf8)
    private static let cdataStart: [UInt8] = Array("<![CDATA[".utf8)
    private static let markupDeclarationStart: [UInt8] = Array("<!".utf8)
    private static let emptyTagEnd: [UInt8] = Array("/>".utf8)
    private static let cdataEnd: [UInt8] = Array("]]>".utf8)
    private static let doubleHyphen: [UInt8] = Array("--".utf8)
    private static let commentEnd: [UInt8] = Array("-->".utf8)
    private static let piEnd: [UInt8] = Array("?>".utf8)

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: Document structure

    private mutating func document() throws(XMLReadError) -> XMLElement {
        if hasPrefix([0xEF, 0xBB, 0xBF]) { position += 3 }
        if hasPrefix(Self.xmlDeclarationStart), position + 5 < bytes.count, isWhitespace(bytes[position + 5])
        {
            try processingInstruction(allowXMLDeclaration: true)
        }
        try miscellany()
        guard position < bytes.count else { throw error(.noRootElement) }
        guard bytes[position] == UInt8(ascii: "<") else {
            try checkCharacter()
            throw error(.malformed)
        }
        let root = try element()
        try miscellany()
        guard position == bytes.count else {
            try checkCharacter()
            throw error(.contentAfterRoot)
        }
        return root
    }

    /// Whitespace, comments and processing instructions, as allowed before and after the root.
    private mutating func miscellany() throws(XMLReadError) {
        while position < bytes.count {
            let byte = bytes[position]
            if isWhitespace(byte) {
                position += 1
            } else if hasPrefix(Self.commentStart) {
                try comment()
            } else if hasPrefix(Self.piStart) {
                try processingInstruction(allowXMLDeclaration: false)
            } else if hasPrefix(Self.doctypeStart) {
                throw error(.doctypeNotSupported)
            } else {
                return
            }
        }
    }

    /// The element starting at `<`, with everything inside it, read without recursion.
    private mutating func element() throws(XMLReadError) -> XMLElement {
        var stack: [(element: XMLElement, text: [UInt8])] = []
        while true {
            // At a start tag.
            let (opened, selfClosing) = try startTag()
            if selfClosing {
                if stack.isEmpty { return opened }
                stack[stack.count - 1].element.children.append(opened)
            } else {
                guard stack.count < Self.maximumDepth else { throw error(.tooDeep) }
                stack.append((opened, []))
            }
            // Content until the next start tag, or until the outermost open element closes.
            while let top = stack.last {
                guard position < bytes.count else { throw error(.unexpectedEnd) }
                if bytes[position] != UInt8(ascii: "<") {
                    try characterData(into: &stack[stack.count - 1].text)
                } else if hasPrefix(Self.endTagStart) {
                    try endTag(matching: top.element.name)
                    var (closed, text) = stack.removeLast()
                    closed.text = String(decoding: text, as: UTF8.self)
                    text = []
                    if stack.isEmpty { return closed }
                    stack[stack.count - 1].element.children.append(closed)
                } else if hasPrefix(Self.commentStart) {
                    try comment()
                } else if hasPrefix(Self.cdataStart) {
                    try cdata(into: &stack[stack.count - 1].text)
                } else if hasPrefix(Self.piStart) {
                    try processingInstruction(allowXMLDeclaration: false)
                } else if hasPrefix(Self.markupDeclarationStart) {
                    throw error(.malformed)
                } else {
                    break  // a child's start tag
                }
            }
        }
    }

    private mutating func startTag() throws(XMLReadError) -> (XMLElement, selfClosing: Bool) {
        position += 1  // "<"
        var element = XMLElement(name: try name())
        while true {
            let hadSpace = skipWhitespace()
            guard position < bytes.count else { throw error(.unexpectedEnd) }
            if bytes[position] == UInt8(ascii: ">") {
                position += 1
                return (element, false)
            }
            if hasPrefix(Self.emptyTagEnd) {
                position += 2
                return (element, true)
            }
            guard hadSpace else { throw error(.malformed) }
            let attributeName = try name()
            skipWhitespace()
            try expect(UInt8(ascii: "="))
            skipWhitespace()
            let value = try attributeValue()
            if element.attributes.contains(where: { $0.name == attributeName }) { throw error(.malformed) }
            element.attributes.append(XMLAttribute(name: attributeName, value: value))
        }
    }

    private mutating func endTag(matching name: String) throws(XMLReadError) {
        let start = position
        position += 2  // "</"
        let closing = try self.name()
        skipWhitespace()
        try expect(UInt8(ascii: ">"))
        guard closing == name else { throw XMLReadError(kind: .mismatchedTag, offset: start) }
    }

    // MARK: Pieces

    private mutating func name() throws(XMLReadError) -> String {
        let start = position
        guard position < bytes.count else { throw error(.unexpectedEnd) }
        guard isNameStart(bytes[position]) else { throw error(.malformed) }
        position += 1
        while position < bytes.count, isNameStart(bytes[position]) || isNameRest(bytes[position]) {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func attributeValue() throws(XMLReadError) -> String {
        guard position < bytes.count else { throw error(.unexpectedEnd) }
        let quote = bytes[position]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { throw error(.malformed) }
        position += 1
        var value: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error(.unexpectedEnd) }
            let byte = bytes[position]
            if byte == quote {
                position += 1
                return String(decoding: value, as: UTF8.self)
            } else if byte == UInt8(ascii: "<") {
                throw error(.malformed)
            } else if byte == UInt8(ascii: "&") {
                try reference(into: &value)
            } else {
                try checkCharacter()
                value.append(byte)
                position += 1
            }
        }
    }

    /// Text up to the next `<`, with references decoded.
    private mutating func characterData(into text: inout [UInt8]) throws(XMLReadError) {
        while position < bytes.count, bytes[position] != UInt8(ascii: "<") {
            if bytes[position] == UInt8(ascii: "&") {
                try reference(into: &text)
            } else {
                if hasPrefix(Self.cdataEnd) { throw error(.malformed) }
                try checkCharacter()
                text.append(bytes[position])
                position += 1
            }
        }
    }

    /// `&lt;` `&gt;` `&amp;` `&apos;` `&quot;` `&#N;` `&#xN;`.
    private mutating func reference(into text: inout [UInt8]) throws(XMLReadError) {
        let start = position
        position += 1  // "&"
        // References are short runs of letters, digits and `#`; anything else before the `;` is an error.
        var semicolon = position
        while semicolon < bytes.count, bytes[semicolon] != UInt8(ascii: ";") {
            let byte = bytes[semicolon]
            let isReferenceByte =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "#")
            guard isReferenceByte, semicolon - position < 12 else {
                throw XMLReadError(kind: .unknownEntity, offset: start)
            }
            semicolon += 1
        }
        guard semicolon < bytes.count else { throw XMLReadError(kind: .unexpectedEnd, offset: start) }
        let body = Array(bytes[position..<semicolon])
        position = semicolon + 1
        switch String(decoding: body, as: UTF8.self) {
        case "lt": text.append(UInt8(ascii: "<"))
        case "gt": text.append(UInt8(ascii: ">"))
        case "amp": text.append(UInt8(ascii: "&"))
        case "apos": text.append(UInt8(ascii: "'"))
        case "quot": text.append(UInt8(ascii: "\""))
        default:
            guard body.first == UInt8(ascii: "#"),
                let scalar = Self.characterReference(body.dropFirst()),
                Self.isAllowedCharacter(scalar.value)
            else { throw XMLReadError(kind: .unknownEntity, offset: start) }
            text.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
    }

    private static func characterReference(_ digits: ArraySlice<UInt8>) -> Unicode.Scalar? {
        var digits = digits
        var radix: UInt32 = 10
        if digits.first == UInt8(ascii: "x") {
            radix = 16
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            let number: UInt32
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): number = UInt32(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16:
                number = UInt32(digit - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16:
                number = UInt32(digit - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value * radix + number
            guard value <= 0x10FFFF else { return nil }
        }
        return Unicode.Scalar(value)
    }

    private mutating func cdata(into text: inout [UInt8]) throws(XMLReadError) {
        position += 9  // "<![CDATA["
        while !hasPrefix(Self.cdataEnd) {
            guard position < bytes.count else { throw error(.unexpectedEnd) }
            try checkCharacter()
            text.append(bytes[position])
            position += 1
        }
        position += 3
    }

    private mutating func comment() throws(XMLReadError) {
        position += 4  // "<!--"
        while !hasPrefix(Self.doubleHyphen) {
            guard position < bytes.count else { throw error(.unexpectedEnd) }
            try checkCharacter()
            position += 1
        }
        guard hasPrefix(Self.commentEnd) else {
            throw error(position + 2 >= bytes.count ? .unexpectedEnd : .malformed)
        }
        position += 3
    }

    /// `<?target …?>`; a target of `xml` in any case is only allowed as the declaration at the very start.
    private mutating func processingInstruction(allowXMLDeclaration: Bool) throws(XMLReadError) {
        let start = position
        position += 2  // "<?"
        let target = try name()
        if ASCIIText.lowercased(target) == "xml" && !allowXMLDeclaration {
            throw XMLReadError(kind: .malformed, offset: start)
        }
        while !hasPrefix(Self.piEnd) {
            guard position < bytes.count else { throw error(.unexpectedEnd) }
            try checkCharacter()
            position += 1
        }
        position += 2
    }

    // MARK: Bytes

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = position
        while position < bytes.count, isWhitespace(bytes[position]) { position += 1 }
        return position > start
    }

    private mutating func expect(_ byte: UInt8) throws(XMLReadError) {
        guard position < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[position] == byte else { throw error(.malformed) }
        position += 1
    }

    private func hasPrefix(_ prefix: [UInt8]) -> Bool {
        guard bytes.count - position >= prefix.count else { return false }
        for (offset, byte) in prefix.enumerated() where bytes[position + offset] != byte { return false }
        return true
    }

    /// The input is valid UTF-8, so only the ASCII control characters (other than tab, LF and CR), and the
    /// non-characters U+FFFE and U+FFFF (EF BF BE, EF BF BF) need refusing.
    private func checkCharacter() throws(XMLReadError) {
        let byte = bytes[position]
        if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { throw error(.forbiddenCharacter) }
        if byte == 0xEF, position + 2 < bytes.count, bytes[position + 1] == 0xBF,
            bytes[position + 2] == 0xBE || bytes[position + 2] == 0xBF
        {
            throw error(.forbiddenCharacter)
        }
    }

    private static func isAllowedCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    private func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// ASCII letters, `_`, `:` and any non-ASCII byte (non-ASCII names are passed through unchecked).
    private func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    private func isNameRest(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private func error(_ kind: XMLReadError.Kind) -> XMLReadError {
        XMLReadError(kind: kind, offset: position)
    }
}
