import Testing

@testable import Keyring

@Suite struct VanishedItemRetryTests {
    @Test func aCallIsMadeAgainWhenAnItemWentAway() throws {
        var calls = 0
        let value = try retryingVanishedItems { () throws(KeyringError) -> Int in
            calls += 1
            if calls < 3 { throw .itemVanished(detail: "gone") }
            return 42
        }
        #expect(value == 42 && calls == 3)
    }

    @Test func itGivesUpAfterThreeCallsAndLeavesOtherErrorsAlone() {
        var calls = 0
        #expect(throws: KeyringError.itemVanished(detail: "gone")) {
            try retryingVanishedItems { () throws(KeyringError) -> Int in
                calls += 1
                throw .itemVanished(detail: "gone")
            }
        }
        #expect(calls == 3)
        calls = 0
        #expect(throws: KeyringError.locked(detail: "x")) {
            try retryingVanishedItems { () throws(KeyringError) -> Int in
                calls += 1
                throw .locked(detail: "x")
            }
        }
        #expect(calls == 1)
    }
}
