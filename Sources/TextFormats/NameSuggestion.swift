/// "Did you mean" for a mistyped profile or command name: the known names within a small edit distance.
package enum NameSuggestion {
    /// The known names nearest to `name` (at most `limit`, nearest first, then in alphabetical order);
    /// empty when none is near enough to be a likely typo.
    package static func closest(to name: String, among candidates: some Sequence<String>, limit: Int = 3)
        -> [String]
    {
        let typed = Array(name.lowercased())
        // A third of the name may be wrong (at least one character, at most three): "lst" finds "list",
        // "mee" finds "me", but "a" finds nothing in "b".
        let allowed = max(1, min(3, typed.count / 3))
        var scored: [(distance: Int, name: String)] = []
        for candidate in Set(candidates) where candidate != name && !candidate.isEmpty {
            let distance = Self.distance(typed, Array(candidate.lowercased()))
            if distance <= allowed { scored.append((distance, candidate)) }
        }
        scored.sort { ($0.distance, $0.name) < ($1.distance, $1.name) }
        return scored.prefix(limit).map(\.name)
    }

    /// ` did you mean 'a'?`, ` did you mean 'a' or 'b'?`; empty for no names.
    package static func question(_ names: [String]) -> String {
        guard let last = names.last else { return "" }
        let quoted = names.dropLast().map { "'\($0)'" }
        return quoted.isEmpty
            ? "did you mean '\(last)'?" : "did you mean \(quoted.joined(separator: ", ")) or '\(last)'?"
    }

    /// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`: the optimal
    /// string alignment distance, which counts the common typo of two swapped letters as one.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
