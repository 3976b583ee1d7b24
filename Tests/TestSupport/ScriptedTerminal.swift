import AwskeyringCore

/// A terminal whose person types prepared answers; it records every prompt and what was echoed.
final class ScriptedTerminal: Terminal {
    private var answers: [String]
    private(set) var prompts: [String] = []
    private(set) var screen = ""

    init(answers: [String]) {
        self.answers = answers
    }

    func readLine(prompt: String, echo: Bool) throws(HelperError) -> String {
        prompts.append(prompt)
        screen += prompt
        guard !answers.isEmpty else {
            throw HelperError("no answer was typed on the terminal (end of input)")
        }
        let answer = answers.removeFirst()
        screen += (echo ? answer : "") + "\n"
        return answer
    }

    func write(_ text: String) {
        screen += text
    }
}
