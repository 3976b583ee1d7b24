import TextFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process environment as a dictionary, read once at start-up and then passed down explicitly, so
/// the core never reads global state and tests can hand in their own.
package enum ProcessEnvironment {
    package static func current() -> [String: String] {
        var count = 0
        while environ[count] != nil { count += 1 }
        // Sized once: growing from empty rehashed every entry several times.
        var result = [String: String](minimumCapacity: count)
        var pointer = environ
        while let entry = pointer.pointee {
            // Split at the first "=" byte: the name is plain ASCII, and scanning bytes rather than
            // Characters matters on the cached path, which reads every variable at start.
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: bytes[..<equals], as: UTF8.self)
                if result[key] == nil {
                    result[key] = String(decoding: bytes[(equals + 1)...], as: UTF8.self)
                }
            }
            pointer += 1
        }
        return result
    }
}

/// Writes diagnostics to stderr, one message a line, prefixed with the program's name. Messages quote
/// services, files and commands, so control characters are removed (`ASCIIText.printable`).
package enum StandardError {
    package static func write(_ message: String) {
        let text = ASCIIText.printable(message)
        writeFully(fd: 2, text.hasSuffix("\n") ? text : text + "\n")
    }

    /// Reports a failure as its one-line message: every error this tool throws describes itself
    /// (`CustomStringConvertible`) in words the person can act on.
    package static func report(_ error: any Error) {
        report(message: String(describing: error))
    }

    package static func report(message: String) {
        write("awskeyring-helper: \(message)")
    }
}

/// Writes the product (a credential document, `env` lines) to stdout, all at once.
package enum StandardOutput {
    package static func write(_ text: String) {
        writeFully(fd: 1, text.hasSuffix("\n") ? text : text + "\n")
    }
}

/// Writes all of `text` to a file descriptor, retrying short writes and interruptions.
package func writeFully(fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}
