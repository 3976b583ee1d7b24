/// Python's `shlex.split(text)` (POSIX mode, whitespace splitting, no comments), which botocore uses to
/// split section names such as `profile "my profile"`.
package enum ShellWords {
    private enum State {
        case between
        case word
        case quoted(Unicode.Scalar)
        case escaped(returnTo: Returning)
    }

    private enum Returning {
        case word
        case doubleQuoted
    }

    /// The words, or nil when shlex raises `ValueError` (an unclosed quote, or a backslash at the end).
    package static func split(_ text: String) -> [String]? {
        var words: [String] = []
        var token = String.UnicodeScalarView()
        // Whether the current token had quotes: a quoted empty string is still a word.
        var quoted = false
        var state = State.between

        func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
        }

        for scalar in text.unicodeScalars {
            switch state {
            case .between:
                if isWhitespace(scalar) { continue }
                if scalar == "\\" {
                    state = .escaped(returnTo: .word)
                } else if scalar == "'" || scalar == "\"" {
                    state = .quoted(scalar)
                } else {
                    token.append(scalar)
                    state = .word
                }
            case .word:
                if isWhitespace(scalar) {
                    if !token.isEmpty || quoted { words.append(String(token)) }
                    token = String.UnicodeScalarView()
                    quoted = false
                    state = .between
                } else if scalar == "'" || scalar == "\"" {
                    state = .quoted(scalar)
                } else if scalar == "\\" {
                    state = .escaped(returnTo: .word)
                } else {
                    token.append(scalar)
                }
            case .quoted(let quote):
                quoted = true
                if scalar == quote {
                    state = .word
                } else if quote == "\"" && scalar == "\\" {
                    state = .escaped(returnTo: .doubleQuoted)
                } else {
                    token.append(scalar)
                }
            case .escaped(let returnTo):
                switch returnTo {
                case .word:
                    token.append(scalar)
                    state = .word
                case .doubleQuoted:
                    // Inside double quotes only `\\` and `\"` are escapes; otherwise the backslash stays.
                    if scalar != "\\" && scalar != "\"" { token.append("\\") }
                    token.append(scalar)
                    state = .quoted("\"")
                }
            }
        }
        switch state {
        case .between:
            break
        case .word:
            if !token.isEmpty || quoted { words.append(String(token)) }
        case .quoted, .escaped:
            return nil
        }
        return words
    }
}
