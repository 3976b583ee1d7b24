internal import CSecretLoader

/// How far the Secret Service can be reached, step by step, for `doctor`: the session bus, the service
/// on it, and its default collection.
package enum SecretServiceHealth: Equatable, Sendable {
    case noSessionBus(KeyringError)
    case noService(KeyringError)
    /// The service has no collection behind the `default` alias (items could not be stored).
    case noDefaultCollection
    case defaultCollection(label: String, locked: Bool)
    /// Something else failed on the way.
    case failed(KeyringError)

    /// Probes the user's session. Never prompts: a locked collection is reported, not unlocked.
    package static func probe() -> SecretServiceHealth {
        do throws(KeyringError) {
            try loadLibSecret()
        } catch {
            return .failed(error)
        }
        do throws(KeyringError) {
            let bus = try glibCall { error in awskh_g_bus_get_sync(G_BUS_TYPE_SESSION, nil, error) }
            guard let bus else {
                return .noSessionBus(.noSessionBus(detail: "no session bus connection"))
            }
            awskh_g_object_unref(UnsafeMutableRawPointer(bus))
        } catch {
            if case .noSessionBus = error { return .noSessionBus(error) }
            return .noSessionBus(.noSessionBus(detail: error.description))
        }
        // Each of libsecret's calls would wait 25 seconds for a service that does not answer.
        do throws(KeyringError) {
            _ = try SecretServiceBus.connect()?.defaultCollection()
        } catch {
            switch error {
            case .noAnswer, .badReply: return .failed(error)
            default: break
            }
        }
        let service: OpaquePointer?
        do throws(KeyringError) {
            service = try glibCall { error in awskh_secret_service_get_sync(SECRET_SERVICE_NONE, nil, error) }
        } catch {
            return .noService(error)
        }
        guard let service else { return .noService(.serviceUnavailable(detail: "no Secret Service")) }
        defer { awskh_g_object_unref(UnsafeMutableRawPointer(service)) }
        // Asking for the default collection fails if no one owns the service name (no activation here).
        let collection: OpaquePointer?
        do throws(KeyringError) {
            collection = try glibCall { error in
                awskh_secret_collection_for_alias_sync(service, "default", SECRET_COLLECTION_NONE, nil, error)
            }
        } catch {
            if case .serviceUnavailable = error { return .noService(error) }
            if case .noSessionBus = error { return .noSessionBus(error) }
            return .failed(error)
        }
        guard let collection else { return .noDefaultCollection }
        defer { awskh_g_object_unref(UnsafeMutableRawPointer(collection)) }
        var label = ""
        if let cLabel = awskh_secret_collection_get_label(collection) {
            defer { awskh_g_free(cLabel) }
            label = String(cString: cLabel)
        }
        return .defaultCollection(label: label, locked: awskh_secret_collection_get_locked(collection) != 0)
    }
}
