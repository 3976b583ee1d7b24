import AWSConfigFile
import AWSQuery
import Synchronization
import SystemAccess
import TextFormats

#if canImport(Glibc)
    import Glibc
#endif

/// A private directory `/tmp/<prefix>.XXXXXX` (mkdtemp) for a test's files, removed with everything in it
/// when the test lets go of it.
package final class TemporaryDirectory: Sendable {
    package let path: String

    package init(_ prefix: String) throws {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let made else {
            throw FileError.systemCall(.create("/tmp/\(prefix)"), reason: "mkdtemp failed")
        }
        path = made
    }

    deinit {
        Self.remove(path)
    }

    /// Removes `path` and, for a directory, everything in it first, without following links.
    private static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR, let directory = opendir(path) {
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// Config files from text, as botocore would read them.
package func configFiles(_ config: String, credentials: String? = nil) throws -> AWSConfigFiles {
    try AWSConfigFiles.parse(
        config: Array(config.utf8), credentials: credentials.map { Array($0.utf8) }, configPath: "config",
        credentialsPath: "credentials")
}

/// A role profile (`outer`, us-west-2) whose source profile (`handed`) has a `credential_process` that
/// runs this helper for another role profile (`inner`, eu-west-1, keys of `keys`): the steps below the
/// hand-off are called with `inner`'s settings. `extraKeySettings` goes into `keys`'s section.
package func handOffAcrossRegions(extraKeySettings: String = "") -> String {
    """
    [profile keys]
    \(extraKeySettings)
    [profile inner]
    role_arn = arn:aws:iam::123456789012:role/inner
    source_profile = keys
    region = eu-west-1
    [profile handed]
    credential_process = awskeyring-helper --profile inner
    region = ap-south-1
    [profile outer]
    role_arn = arn:aws:iam::123456789012:role/outer
    source_profile = handed
    region = us-west-2

    """
}

/// An HTTP transport that answers from a script and records what it was asked.
package final class ScriptedTransport: HTTPTransport {
    private let state:
        Mutex<
            (
                answers: [Result<HTTPResponse, HTTPFailure>], requests: [HTTPRequest],
                options: [TransportOptions]
            )
        >

    package init(_ answers: [Result<HTTPResponse, HTTPFailure>]) {
        state = Mutex((answers, [], []))
    }

    package var requests: [HTTPRequest] { state.withLock { $0.requests } }
    /// The options each request was sent with (proxy, pin, trust store).
    package var options: [TransportOptions] { state.withLock { $0.options } }

    /// The form fields of each request's body.
    package var forms: [[String: String]] {
        requests.map { request in
            var fields: [String: String] = [:]
            for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.removingPercentEncoding() }
                fields[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            return fields
        }
    }

    package func send(_ request: HTTPRequest, options: TransportOptions) throws(HTTPFailure) -> HTTPResponse {
        let answer: Result<HTTPResponse, HTTPFailure> = state.withLock { state in
            state.requests.append(request)
            state.options.append(options)
            guard !state.answers.isEmpty else {
                return .failure(HTTPFailure(kind: .connect, detail: "no scripted answer left"))
            }
            return state.answers.removeFirst()
        }
        return try answer.get()
    }
}

extension Substring {
    fileprivate func removingPercentEncoding() -> String {
        var bytes: [UInt8] = []
        var index = startIndex
        while index < endIndex {
            if self[index] == "%", let end = self.index(index, offsetBy: 3, limitedBy: endIndex),
                let byte = UInt8(self[self.index(after: index)..<end], radix: 16)
            {
                bytes.append(byte)
                index = end
            } else {
                bytes += Array(String(self[index]).utf8)
                index = self.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// STS answers in the shape AWS sends them.
package enum STSReply {
    package static func credentials(_ action: String, id: String, expiration: Int, status: Int = 200)
        -> Result<
            HTTPResponse, HTTPFailure
        >
    {
        let body = """
            <\(action)Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><\(action)Result>\
            <Credentials><AccessKeyId>\(id)</AccessKeyId><SecretAccessKey>secret-of-\(id)</SecretAccessKey>\
            <SessionToken>token-of-\(id)</SessionToken><Expiration>\(Timestamp.format(expiration))</Expiration>\
            </Credentials></\(action)Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
            </\(action)Response>
            """
        return .success(HTTPResponse(status: status, contentType: "text/xml", body: Array(body.utf8)))
    }

    package static func error(_ code: String, _ message: String, status: Int) -> Result<
        HTTPResponse, HTTPFailure
    > {
        let body = """
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>\
            <Code>\(code)</Code><Message>\(message)</Message></Error><RequestId>r</RequestId></ErrorResponse>
            """
        return .success(HTTPResponse(status: status, contentType: "text/xml", body: Array(body.utf8)))
    }

    package static func status(_ status: Int, body: String = "") -> Result<HTTPResponse, HTTPFailure> {
        .success(HTTPResponse(status: status, contentType: "text/html", body: Array(body.utf8)))
    }
}

/// The waits a client asked for between attempts.
package final class WaitLog: Sendable {
    package let values = Mutex<[Double]>([])

    package init() {}
}
