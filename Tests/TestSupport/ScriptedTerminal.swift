import CredentialResolution
import TerminalAccess

/// A terminal whose person types prepared answers; it records every prompt and what was echoed.
package final class ScriptedTerminal: Terminal {
    private var answers: [String]
    package private(set) var prompts: [String] = []
    package private(set) var screen = ""

    package init(answers: [String]) {
        self.answers = answers
    }

    package func readLine(prompt: String, echo: Bool) throws(TerminalError) -> String {
        prompts.append(prompt)
        screen += prompt
        guard !answers.isEmpty else {
            throw .endOfInput
        }
        let answer = answers.removeFirst()
        screen += (echo ? answer : "") + "\n"
        return answer
    }

    package func write(_ text: String) {
        screen += text
    }
}
