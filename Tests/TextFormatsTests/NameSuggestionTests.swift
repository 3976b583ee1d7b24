import Testing

@testable import TextFormats

@Suite struct NameSuggestionTests {
    @Test(arguments: [
        ("list", "list", 0), ("lst", "list", 1), ("lsit", "list", 1), ("", "abc", 3), ("abc", "", 3),
        ("kitten", "sitting", 3), ("mee", "me", 1), ("prod", "PROD", 4), ("ab", "ba", 1), ("ca", "abc", 3),
    ])
    func distance(_ a: String, _ b: String, _ expected: Int) {
        #expect(NameSuggestion.distance(Array(a), Array(b)) == expected)
    }

    @Test func typosFindTheIntendedName() {
        let commands = ["credentials", "store", "explain", "list", "remove", "clear", "exec", "env", "help"]
        #expect(NameSuggestion.closest(to: "lst", among: commands) == ["list"])
        #expect(NameSuggestion.closest(to: "explian", among: commands) == ["explain"])
        #expect(NameSuggestion.closest(to: "cleer", among: commands) == ["clear"])
        #expect(NameSuggestion.closest(to: "frobnicate", among: commands).isEmpty)
    }

    @Test func caseDoesNotCountAndTheExactNameIsNotSuggested() {
        #expect(NameSuggestion.closest(to: "Prod", among: ["prod", "dev"]) == ["prod"])
        #expect(NameSuggestion.closest(to: "prod", among: ["prod"]).isEmpty)
    }

    @Test func shortNamesAllowOneEditLongerOnesAThird() {
        #expect(NameSuggestion.closest(to: "a", among: ["b", "ab"]) == ["ab", "b"])
        #expect(NameSuggestion.closest(to: "mee", among: ["me", "you"]) == ["me"])
        #expect(NameSuggestion.closest(to: "prdo", among: ["prod", "dev"]) == ["prod"])
        #expect(NameSuggestion.closest(to: "production-admin", among: ["prod-admin"]).isEmpty)
        #expect(NameSuggestion.closest(to: "admn-rle", among: ["admin-role"]) == ["admin-role"])
    }

    @Test func theNearestComeFirstAtMostThreeDuplicatesOnce() {
        let names = ["dev1", "dev2", "dev3", "dev", "dev4", "dev"]
        #expect(NameSuggestion.closest(to: "dex", among: names) == ["dev"])
        #expect(NameSuggestion.closest(to: "devx", among: names) == ["dev", "dev1", "dev2"])
    }

    @Test func theQuestionReadsAsEnglish() {
        #expect(NameSuggestion.question([]) == "")
        #expect(NameSuggestion.question(["a"]) == "did you mean 'a'?")
        #expect(NameSuggestion.question(["a", "b", "c"]) == "did you mean 'a', 'b' or 'c'?")
    }
}
