import Synchronization
import SystemAccess

/// A clock the test moves: `sleep` records the wait and moves the time on at once, `advance` moves it
/// by hand, and a `step` moves it on at every reading (for code that waits for real I/O against a limit,
/// such as a command's time limit), so limits of minutes take no time.
package final class TestClock: TimeSource {
    private struct State {
        var now: Double
        var waits: [Double] = []
    }

    private let state: Mutex<State>
    private let step: Double

    package init(_ start: Int = 1_795_827_723, step: Double = 0) {
        state = Mutex(State(now: Double(start)))
        self.step = step
    }

    package func now() -> Double {
        state.withLock { state in
            defer { state.now += step }
            return state.now
        }
    }

    package func sleep(_ seconds: Double) {
        state.withLock { state in
            state.waits.append(seconds)
            state.now += max(seconds, 0)
        }
    }

    /// The time as `now()` would give it, without a step.
    package func read() -> Int { state.withLock { Int($0.now) } }

    package func advance(_ seconds: Int) {
        state.withLock { $0.now += Double(seconds) }
    }

    /// Every wait asked for, in order.
    package var waits: [Double] { state.withLock { $0.waits } }
}
