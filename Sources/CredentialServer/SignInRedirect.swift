import NIOCore
import NIOHTTP1
import NIOPosix
import ProcessControl
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Opens a console sign-in URL in the browser without putting it in any command line: xdg-open and the
/// browser it starts get `http://127.0.0.1:PORT/<random>` instead, which answers once, to a connection
/// of this user, with a redirect to the sign-in URL. Command lines are readable by every user of the
/// machine (/proc/PID/cmdline); the sign-in token signs in whoever presents it.
package enum SignInRedirect {
    /// Serves the redirect, runs xdg-open on it and waits (up to `timeout` seconds) for the browser.
    package static func open(_ url: String, environment: [String: String], timeout: Int64 = 120)
        throws(ServerError)
    {
        let path = "/" + AuthorizationToken.random().value
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let served = loop.makePromise(of: Void.self)
        let redirect = Redirect(path: path, location: url, served: served)
        // Every path out completes the promise (NIO checks that none is left behind).
        defer { redirect.end(.closed) }
        let bootstrap = ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RedirectHandler(redirect: redirect))
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        } catch {
            throw .redirectNotStarted(error)
        }
        defer { try? channel.close().wait() }
        guard let port = channel.localAddress?.port else {
            throw .redirectPortUnknown
        }

        let opener = "http://127.0.0.1:\(port)\(path)"
        let pid: pid_t
        do {
            pid = try Processes.spawn(["xdg-open", opener], environment: environment)
        } catch {
            throw .openerNotStarted(reason: error.description)
        }
        _ = loop.scheduleTask(in: .seconds(timeout)) { redirect.end(.timeout) }
        // xdg-open that fails (no browser, no desktop) ends the wait at once; one that succeeds may go on
        // running as the browser, so only a failure is acted on.
        let watch = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) {
            task in
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return }
            Processes.reaped(pid)
            task.cancel()
            let exitStatus = Processes.exitStatus(fromWaitStatus: status)
            if exitStatus != 0 { redirect.end(.openerFailed(exitStatus)) }
        }
        defer { watch.cancel() }
        do {
            try served.futureResult.wait()
        } catch let failure as RedirectFailure {
            switch failure {
            case .timeout:
                throw .noBrowserCame(seconds: timeout)
            case .closed:
                throw .redirectClosed
            case .openerFailed(let status):
                throw .openerFailed(status: status)
            }
        } catch {
            throw .redirectFailed(error)
        }
    }

    enum RedirectFailure: Error {
        case timeout
        case openerFailed(Int32)
        case closed
    }

    /// The one redirect: the first of the browser's request, a failed xdg-open and the timeout ends it.
    final class Redirect: Sendable {
        let path: String
        let location: String
        private let served: EventLoopPromise<Void>
        private let completed = Mutex(false)

        init(path: String, location: String, served: EventLoopPromise<Void>) {
            self.path = path
            self.location = location
            self.served = served
        }

        /// Whether the redirect may still be given; taking it ends the wait.
        func take() -> Bool {
            completed.withLock { done in
                if done { return false }
                done = true
                return true
            }
        }

        func succeed() { served.succeed(()) }
        func end(_ failure: RedirectFailure) { if take() { served.fail(failure) } }
    }

    /// The owner of the TCP connection from `127.0.0.1:clientPort` to `127.0.0.1:serverPort`, from
    /// /proc/net/tcp (whose addresses are hexadecimal, the IPv4 address in host byte order).
    static func connectionOwner(clientPort: Int, serverPort: Int, table: String) -> uid_t? {
        func address(_ port: Int) -> String {
            let hex = String(port, radix: 16, uppercase: true)
            return "0100007F:" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        let local = address(clientPort)
        let remote = address(serverPort)
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 7, fields[1] == local, fields[2] == remote else { continue }
            return uid_t(fields[7])
        }
        return nil
    }

    /// /proc/net/tcp as text (read to its end: procfs reports no size).
    static func readProcNetTCP() -> String {
        let fd = Glibc.open("/proc/net/tcp", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Answers the one request for the secret path, from this user, with the redirect; everything else 404.
final class RedirectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let redirect: SignInRedirect.Redirect
    private var head: HTTPRequestHead?

    init(redirect: SignInRedirect.Redirect) {
        self.redirect = redirect
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        var headers = HTTPHeaders()
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "Referrer-Policy", value: "no-referrer")
        headers.add(name: "Content-Length", value: "0")
        headers.add(name: "Connection", value: "close")
        var status = HTTPResponseStatus.notFound
        if head.method == .GET, head.uri == redirect.path, isFromThisUser(context.channel), redirect.take() {
            status = .found
            headers.add(name: "Location", value: redirect.location)
        }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil)
        let redirect = self.redirect
        let wasRedirect = status == .found
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
            if wasRedirect { redirect.succeed() }
        }
    }

    private func isFromThisUser(_ channel: any Channel) -> Bool {
        guard let clientPort = channel.remoteAddress?.port, let serverPort = channel.localAddress?.port else {
            return false
        }
        let owner = SignInRedirect.connectionOwner(
            clientPort: clientPort, serverPort: serverPort, table: SignInRedirect.readProcNetTCP())
        return owner == getuid()
    }
}
