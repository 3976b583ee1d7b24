import Testing

@testable import TextFormats

@Suite struct TimestampTests {
    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (1_795_827_723, "2026-11-28T01:02:03Z"),
        (4_102_444_799, "2099-12-31T23:59:59Z"),
    ])
    func formatsAndParsesBack(seconds: Int, text: String) {
        #expect(Timestamp.format(seconds) == text)
        #expect(Timestamp.parse(text) == seconds)
    }

    @Test func parsesFractionsAndOffsets() {
        #expect(Timestamp.parse("2026-11-28T01:02:03.456Z") == 1_795_827_723)
        #expect(Timestamp.parse("2026-11-28T02:02:03+01:00") == 1_795_827_723)
        #expect(Timestamp.parse("2026-11-28T00:02:03-01:00") == 1_795_827_723)
    }

    @Test(arguments: [
        "", "2026-11-28", "2026-11-28T01:02:03", "2026-13-01T00:00:00Z", "2026-11-28T25:00:00Z",
        "2026-11-28T01:02:03Zjunk", "2026-11-28T01:02:03+0100", "２０２６-11-28T01:02:03Z",
    ])
    func rejectsMalformedTimestamps(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
