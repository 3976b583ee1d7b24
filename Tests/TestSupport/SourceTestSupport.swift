import AWSQuery
import CredentialResolution
import CredentialValues
import FoundationJSON
import Keyring
import KeyringItems
import Testing
import TextFormats

#if canImport(Glibc)
    import Glibc
#endif

/// A provider for source tests: an in-memory keyring with keys for `base`, a scripted transport, a fixed
/// clock and no sleeping.
package struct SourceFixture {
    package static let start = 1_795_827_723
    package let store = InMemorySecretStore()
    private let temporary: TemporaryDirectory
    package var directory: String { temporary.path }

    package init() throws {
        temporary = try TemporaryDirectory("awskeyring-source-tests")
        try CredentialKeyring(store: store).storeKeys(
            LongLivedKeys(
                accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            profile: "base")
    }

    package func provider(
        _ config: String, transport: ScriptedTransport, environment: [String: String] = [:],
        diagnostics: @escaping (String) -> Void = { _ in }
    ) throws -> CredentialProvider {
        CredentialProvider(
            files: try configFiles(config), keyring: CredentialKeyring(store: store),
            environment: ["XDG_RUNTIME_DIR": directory, "PATH": "/usr/bin:/bin"].merging(environment) { $1 },
            json: FoundationJSONDecoding(),
            diagnostics: diagnostics, transport: transport, clock: TestClock(Self.start),
            openTerminal: { nil })
    }

    /// Writes `text` to a file in the fixture's directory and returns its path.
    package func write(_ name: String, _ text: String) -> String {
        let path = directory + "/" + name
        let file = fopen(path, "w")
        fputs(text, file)
        fclose(file)
        return path
    }
}

package func header(_ request: HTTPRequest, _ name: String) -> String? {
    request.headers.first { $0.name.lowercased() == name.lowercased() }?.value
}

/// A 200 answer with a body.
package func ok(_ body: String) -> Result<HTTPResponse, HTTPFailure> {
    .success(HTTPResponse(status: 200, contentType: "application/json", body: Array(body.utf8)))
}

package func metadataDocument(id: String, expiration: Int) -> String {
    """
    {"Code": "Success", "LastUpdated": "2026-11-29T00:00:00Z", "Type": "AWS-HMAC", "AccessKeyId": "\(id)", \
    "SecretAccessKey": "secret-of-\(id)", "Token": "token-of-\(id)", "Expiration": "\(Timestamp.format(expiration))"}
    """
}

/// The message the person would see for the error `body` throws (what the executable prints); nil
/// when it throws none.
package func expectedMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}

/// The error `body` throws, as `E`; nil (and a recorded issue) when it throws none or another type.
package func thrown<E: Error>(_: E.Type, _ body: () throws -> Void) -> E? {
    do {
        try body()
        Issue.record("expected \(E.self), nothing was thrown")
    } catch let error as E {
        return error
    } catch {
        Issue.record("expected \(E.self), got \(type(of: error)): \(error)")
    }
    return nil
}
