import SystemAccess
import TextFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's controlling terminal, `/dev/tty`.
package final class ControllingTerminal: Terminal {
    private let fd: Int32
    /// Measures the time limits of `readLine(prompt:echo:timeout:)`.
    private let clock: any TimeSource

    /// Opens `/dev/tty`; nil when the process has no controlling terminal (CI, cron, a service).
    package static func open(clock: any TimeSource) -> ControllingTerminal? {
        let fd = Glibc.open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard isatty(fd) == 1 else {
            close(fd)
            return nil
        }
        return ControllingTerminal(fd: fd, clock: clock)
    }

    private init(fd: Int32, clock: any TimeSource) {
        self.fd = fd
        self.clock = clock
    }

    deinit {
        close(fd)
    }

    /// Shows `text` without control characters (`ASCIIText.printable`): prompts and notes quote
    /// profile names and MFA device names from the config files.
    package func write(_ text: String) {
        writeFully(fd: fd, ASCIIText.printable(text))
    }

    package func readLine(prompt: String, echo: Bool) throws(TerminalError) -> String {
        try readLine(prompt: prompt, echo: echo, deadline: nil)
    }

    package func readLine(prompt: String, echo: Bool, timeout: Double) throws(TerminalError) -> String {
        try readLine(prompt: prompt, echo: echo, deadline: clock.now() + timeout)
    }

    private func readLine(prompt: String, echo: Bool, deadline: Double?) throws(TerminalError) -> String {
        write(prompt)
        var saved = termios()
        guard !echo, tcgetattr(fd, &saved) == 0 else {
            // Ctrl-C at a prompt still ends the line, so the shell's prompt does not follow ours.
            EchoGuard.arm(fd: fd, saved: nil)
            defer { EchoGuard.disarm() }
            return try readRawLine(deadline: deadline)
        }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ECHONL)
        EchoGuard.arm(fd: fd, saved: saved)
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(fd, TCSAFLUSH, &saved)
            EchoGuard.disarm()
        }
        return try readRawLine(deadline: deadline)
    }

    private func readRawLine(deadline: Double?) throws(TerminalError) -> String {
        // Room for the longest line allowed, so no copy of a typed secret is left in a freed buffer; the
        // buffer is overwritten once the line is made.
        var line: [UInt8] = []
        line.reserveCapacity(4098)
        defer { line.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        var byte: UInt8 = 0
        while true {
            if let deadline {
                let remaining = deadline - clock.now()
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = remaining > 0 ? poll(&poller, 1, Int32(min(remaining, 3600) * 1000) + 1) : 0
                if ready < 0 && errno == EINTR { continue }
                if ready == 0 {
                    // The prompt's line stays unfinished otherwise, and the error would continue it.
                    write("\n")
                    throw .timedOut
                }
            }
            let count = Glibc.read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                throw .endOfInput
            }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
            if line.count > 4096 { throw .lineTooLong }
        }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
    }
}

/// Turns echo back on if the process is interrupted while a secret is being typed, so Ctrl-C never
/// leaves the person's terminal silent, and ends the prompt's line (the typed Enter never came).
private enum EchoGuard {
    nonisolated(unsafe) static var fd: Int32 = -1
    nonisolated(unsafe) static var saved = termios()
    nonisolated(unsafe) static var restoresEcho = false

    static func arm(fd: Int32, saved: termios?) {
        if let saved { Self.saved = saved }
        restoresEcho = saved != nil
        Self.fd = fd
        for signalNumber in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(signalNumber, restoreAndExit)
        }
    }

    static func disarm() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(signalNumber, SIG_DFL)
        }
        fd = -1
    }
}

private func restoreAndExit(_ signalNumber: Int32) {
    if EchoGuard.fd >= 0 {
        if EchoGuard.restoresEcho { tcsetattr(EchoGuard.fd, TCSAFLUSH, &EchoGuard.saved) }
        var newline = UInt8(ascii: "\n")
        _ = Glibc.write(EchoGuard.fd, &newline, 1)
    }
    _exit(128 + signalNumber)
}
