import ArgumentParser
import HelperCommands

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
            return script.replacing(
                anchor,
                with: anchor + """
                        # Options before any command are the default command's (awskeyring-helper --profile P).
                        if [[ "${unparsed_words[0]}" == -* ]]; then
                            local -a repeating_flags non_repeating_flags repeating_options non_repeating_options
                            _awskeyring-helper_credentials
                            return
                        fi

                    """, maxReplacements: 1)
        case .zsh:
            // The top level's _arguments gets the default command's --profile and --refresh specs.
            guard let credentials = script.firstRange(of: "_awskeyring-helper_credentials() {") else {
                return script
            }
            let specs = script[credentials.upperBound...].split(separator: "\n").prefix {
                !$0.hasPrefix("}")
            }.filter { $0.contains("'--profile[") || $0.contains("'--refresh[") }
            let anchor = "        '(-): :->command'\n"
            guard specs.count == 2 else { return script }
            return script.replacing(
                anchor, with: specs.joined(separator: "\n") + "\n" + anchor, maxReplacements: 1)
        case .fish:
            // The top level parses the default command's options, and completes --profile's value.
            let rootParse = "__awskeyring-helper_parse_subcommand 0 'version' 'h/help'"
            guard script.contains(rootParse),
                let line = script.split(separator: "\n").first(where: {
                    $0.contains("\"awskeyring-helper credentials\" profile'") && $0.contains("-l 'profile'")
                })
            else { return script }
            let topLevel = line.replacing("\"awskeyring-helper credentials\"", with: "\"awskeyring-helper\"")
            return script.replacing(
                rootParse,
                with: "__awskeyring-helper_parse_subcommand 0 'profile=' 'refresh' 'version' 'h/help'",
                maxReplacements: 1) + (script.hasSuffix("\n") ? "" : "\n") + topLevel + "\n"
        default:
            return script
        }
    }
}
