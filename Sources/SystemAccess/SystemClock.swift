#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The time this tool reads and the waits it makes, one value handed to everything that does either
/// (signing dates, expirations, retry deadlines, lock waits, command and prompt time limits), so tests
/// pass a clock that moves on when told and limits of minutes run in no time.
package protocol TimeSource: Sendable {
    /// Seconds since the Unix epoch, with a fraction.
    func now() -> Double
    /// Waits `seconds`; nothing for zero or less.
    func sleep(_ seconds: Double)
}

extension TimeSource {
    /// Whole seconds since the Unix epoch: signing dates, expirations, session names.
    package var epochSeconds: Int { Int(now()) }
}

/// The real clock: `CLOCK_REALTIME` and `nanosleep`.
package struct SystemClock: TimeSource {
    package init() {}

    package func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    package func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }
}
