/// Words for commands the tool prints for the person to paste into a POSIX shell (`rm ...`): left as
/// they are when the shell would read them literally, single-quoted otherwise.
package enum ShellQuoting {
    /// `value` as one shell word.
    package static func word(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && value.unicodeScalars.allSatisfy { scalar in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "/", ".", "_", "-", "+", ",", ":", "@", "%", "=":
                    return true
                default: return false
                }
            }
        return plain ? value : singleQuoted(value)
    }

    /// A path as shown to the person (`~/...` for paths in the home directory): the `~/` stays outside
    /// the quotes, so the shell still expands it.
    package static func path(_ displayPath: String) -> String {
        if displayPath.hasPrefix("~/") {
            return "~/" + word(String(displayPath.dropFirst(2)))
        }
        return word(displayPath)
    }

    /// POSIX single quotes: everything literal; a quote is closed, escaped and reopened.
    package static func singleQuoted(_ value: String) -> String {
        "'" + ASCIIText.replacingEvery("'", in: value, with: #"'\''"#) + "'"
    }
}
