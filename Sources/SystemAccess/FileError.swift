/// A file that could not be written or replaced in place (`FileReplacement`). Messages name the file
/// and the system's reason; never its contents.
package enum FileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done when a system call failed.
    package enum Operation: Sendable, Equatable {
        case create(String)
        case setMode(String)
        case flush(String)
        case resolve(String)
        case readAttributes(String)
        case createTemporary(inDirectory: String)
        case write(String)
        case rename(String, to: String)
    }

    /// A system call failed; `reason` is the system's text for its error number.
    case systemCall(Operation, reason: String)
    /// The path is not a regular file (a directory, a device...).
    case notRegularFile(String)
    /// The file has more than one name: replacing it would leave the old contents under the others.
    case hardLinks(String, count: Int)

    package var description: String {
        switch self {
        case .systemCall(let operation, let reason):
            return "\(operation.text): \(reason)"
        case .notRegularFile(let path):
            return "\(path) is not a regular file; it cannot be rewritten in place"
        case .hardLinks(let path, let count):
            return """
                \(path) has \(count) hard links: rewriting it would leave the old contents under \
                the other names. Make it a single file (or a symbolic link to one) and try again
                """
        }
    }
}

extension FileError.Operation {
    var text: String {
        switch self {
        case .create(let path): return "cannot create \(path)"
        case .setMode(let path): return "cannot set the mode of \(path)"
        case .flush(let path): return "cannot flush \(path) to disk"
        case .resolve(let path): return "cannot resolve \(path)"
        case .readAttributes(let path): return "cannot read the attributes of \(path)"
        case .createTemporary(let directory): return "cannot create a temporary file in \(directory)"
        case .write(let path): return "cannot write \(path)"
        case .rename(let from, let to): return "cannot rename \(from) to \(to)"
        }
    }
}
