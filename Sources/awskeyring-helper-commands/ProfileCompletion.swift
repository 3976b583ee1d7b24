import ArgumentParser
import HelperCommands
import TextFormats

/// Shell completion of profile names for `--profile`: the profiles of the config files and those with
/// keys in the keyring. The generated scripts run the helper to get them (`---completion`), which is
/// never the plain credential_process call, so that call does not get slower.
enum ProfileCompletion {
    static let kind = CompletionKind.custom { _, _, prefix in names(prefix: prefix) }

    /// The known profile names that start with `prefix`, sorted. Whatever cannot be read (a broken
    /// config file, no keyring) just adds no names: completion must never print an error.
    static func names(prefix: String) -> [String] {
        let context = CommandContext.live()
        var names = Set<String>()
        if let files = try? context.configFiles() {
            names.formUnion(files.profiles.keys)
        }
        if let stored = try? context.keyring.profilesWithKeys() {
            names.formUnion(stored)
        }
        return names.filter { $0.hasPrefix(prefix) && !$0.contains(where: \.isWhitespace) }.sorted()
    }

    /// swift-argument-parser's script, taught that the top level takes the default command's options
    /// (`awskeyring-helper --profile P`): it knows only the options of the command each word names.
    static func script(for shell: CompletionShell) -> String {
        let script = AwskeyringHelper.completionScript(for: shell)
        switch shell {
        case .bash:
            let anchor = "    local -a unparsed_words=(\"${COMP_WORDS[@]:1:${COMP_CWORD}}\")\n"
            return ASCIIText.replacingFirst(
                anchor, in: script,
                with: anchor + """
                        # Options before any command are the default command's (awskeyring-helper --profile P).
                        if [[ "${unparsed_words[0]}" == -* ]]; then
                            local -a repeating_flags non_repeating_flags repeating_options non_repeating_options
                            _awskeyring-helper_credentials
                            return
                        fi

                    """)
        case .zsh:
            // The top level's _arguments gets the default command's --profile and --refresh specs.
            guard let credentials = ASCIIText.firstRange(of: "_awskeyring-helper_credentials() {", in: script)
            else {
                return script
            }
            let specs = script[credentials.upperBound...].split(separator: "\n").prefix {
                !$0.hasPrefix("}")
            }.filter { ASCIIText.occurs("'--profile[", in: $0) || ASCIIText.occurs("'--refresh[", in: $0) }
            let anchor = "        '(-): :->command'\n"
            guard specs.count == 2 else { return script }
            return ASCIIText.replacingFirst(
                anchor, in: script, with: specs.joined(separator: "\n") + "\n" + anchor)
        case .fish:
            // The top level parses the default command's options, and completes --profile's value.
            let rootParse = "__awskeyring-helper_parse_subcommand 0 'version' 'h/help'"
            guard ASCIIText.occurs(rootParse, in: script),
                let line = script.split(separator: "\n").first(where: {
                    ASCIIText.occurs("\"awskeyring-helper credentials\" profile'", in: $0)
                        && ASCIIText.occurs("-l 'profile'", in: $0)
                })
            else { return script }
            let topLevel = ASCIIText.replacingFirst(
                "\"awskeyring-helper credentials\"", in: String(line), with: "\"awskeyring-helper\"")
            return ASCIIText.replacingFirst(
                rootParse, in: script,
                with: "__awskeyring-helper_parse_subcommand 0 'profile=' 'refresh' 'version' 'h/help'")
                + (script.hasSuffix("\n") ? "" : "\n") + topLevel + "\n"
        default:
            return script
        }
    }
}
