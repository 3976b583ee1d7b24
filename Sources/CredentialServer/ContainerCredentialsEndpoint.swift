import CredentialResolution
import CredentialValues
import NIOCore
import NIOHTTP1
import NIOPosix
import SystemAccess
import TextFormats

/// A container credentials endpoint on 127.0.0.1 (the protocol of ECS tasks, which every AWS SDK
/// speaks): `GET` with the right `Authorization` header answers `{"AccessKeyId", "SecretAccessKey",
/// "Token", "Expiration"}`, anything else 401. SDKs in the child call it again by themselves when the
/// credentials near their expiry, so a long-running process never holds expired keys.
///
/// Getting credentials can block (STS over libcurl, the keyring, a lock held by another process, an MFA
/// prompt on the terminal), so it runs on a thread of its own, one request at a time; the event loop
/// only moves bytes.
///
/// Any local user can connect to the port, so connections that have not shown the token are bounded:
/// each must send its request head within `headerTimeout`, at most `maximumPendingConnections` wait at
/// once (a new one closes the oldest, so a flood cannot keep the command's own connection out), and a
/// refused request closes its connection.
package final class ContainerCredentialsEndpoint {
    /// What a request is answered with; called on the endpoint's worker thread, one call at a time.
    package typealias CredentialSource = @Sendable () -> Result<AWSCredentials, any Error>

    package let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let workers: NIOThreadPool
    private let channel: any Channel

    /// Listens on 127.0.0.1 at a port the kernel picks.
    package init(
        token: AuthorizationToken, clock: any TimeSource, headerTimeout: TimeAmount = .seconds(3),
        maximumPendingConnections: Int = 64, source: @escaping CredentialSource
    ) throws(ServerError) {
        // One event loop thread: every connection, and the list of those still without the token, lives
        // on it.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let workers = NIOThreadPool(numberOfThreads: 1)
        workers.start()
        let answer = CredentialAnswer(token: token, source: source, clock: clock, workers: workers)
        let pending = PendingConnections(limit: maximumPendingConnections, headerTimeout: headerTimeout)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 128)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        CredentialRequestHandler(answer: answer, pending: pending))
                }
            }
        do {
            channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        } catch {
            try? workers.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw .endpointNotStarted(error)
        }
        guard let port = channel.localAddress?.port else {
            try? workers.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw .endpointPortUnknown
        }
        self.port = port
        self.group = group
        self.workers = workers
    }

    /// The URL for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    package var url: String { "http://127.0.0.1:\(port)/" }

    /// Stops listening; the port is closed when this returns. Nothing else is shut down: the process
    /// exits next (which closes every connection), and shutting an event loop down can need a new
    /// descriptor, which a flood of connections may have used up.
    package func close() {
        try? channel.close().wait()
    }

    /// The container credentials document. Long-lived keys have neither a token nor an expiry, but
    /// botocore requires both members: an empty token (SDKs then send none) and a time an hour ahead, at
    /// which the SDK asks again and finds the keys as they are then.
    package static func document(_ credentials: AWSCredentials, now: Int) -> String {
        JSONValue.object([
            ("AccessKeyId", .string(credentials.accessKeyId)),
            ("SecretAccessKey", .string(credentials.secretAccessKey)),
            ("Token", .string(credentials.sessionToken ?? "")),
            ("Expiration", .string(Timestamp.format(credentials.expiration ?? now + 3600))),
        ]).text
    }
}

/// The decisions of one request, kept apart from NIO's types so they can be tested directly.
struct CredentialAnswer: Sendable {
    let token: AuthorizationToken
    let source: ContainerCredentialsEndpoint.CredentialSource
    let clock: any TimeSource
    let workers: NIOThreadPool?

    struct Response: Sendable, Equatable {
        var status: HTTPResponseStatus
        var body: String
    }

    /// The answer before any credentials are fetched: nil when the request may have them.
    func refusal(method: HTTPMethod, authorization: [String]) -> Response? {
        // The token is checked first, so a caller without it learns nothing about the endpoint.
        guard authorization.count == 1, token.matches(authorization[0]) else {
            return Response(
                status: .unauthorized, body: Self.message("Unauthorized", "the Authorization header is wrong")
            )
        }
        guard method == .GET else {
            return Response(status: .methodNotAllowed, body: Self.message("MethodNotAllowed", "only GET"))
        }
        return nil
    }

    /// The credentials answer (blocking: it may call STS or ask for an MFA code).
    func credentialsResponse() -> Response {
        switch source() {
        case .success(let credentials):
            return Response(
                status: .ok, body: ContainerCredentialsEndpoint.document(credentials, now: clock.epochSeconds)
            )
        case .failure(let error):
            return Response(
                status: .internalServerError, body: Self.message("CredentialsUnavailable", "\(error)"))
        }
    }

    static func message(_ code: String, _ message: String) -> String {
        JSONValue.object([("Code", .string(code)), ("Message", .string(message))]).text
    }
}

/// The connections that have not shown the token yet, oldest first. Used on the endpoint's one event
/// loop thread only (every connection's handler runs there), hence no lock.
final class PendingConnections: @unchecked Sendable {
    let limit: Int
    let headerTimeout: TimeAmount
    private var channels: [(id: ObjectIdentifier, channel: any Channel)] = []

    init(limit: Int, headerTimeout: TimeAmount) {
        self.limit = max(1, limit)
        self.headerTimeout = headerTimeout
    }

    var count: Int { channels.count }

    /// Adds a new connection; closes the oldest when there are more than `limit`.
    func add(_ channel: any Channel) {
        channel.eventLoop.preconditionInEventLoop()
        channels.append((ObjectIdentifier(channel), channel))
        if channels.count > limit {
            let oldest = channels.removeFirst()
            oldest.channel.close(promise: nil)
        }
    }

    func remove(_ channel: any Channel) {
        channel.eventLoop.preconditionInEventLoop()
        let id = ObjectIdentifier(channel)
        channels.removeAll { $0.id == id }
    }
}

/// One connection's requests, answered in order. Until a request head with the token arrives, the
/// connection is pending: closed if no head comes within the header timeout, or when too many others
/// wait.
final class CredentialRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let answer: CredentialAnswer
    private let pending: PendingConnections?
    private var head: HTTPRequestHead?
    private var started = false
    private var authenticated = false
    private var deadline: Scheduled<Void>?

    init(answer: CredentialAnswer, pending: PendingConnections? = nil) {
        self.answer = answer
        self.pending = pending
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        settle(context: context)
        context.fireChannelInactive()
    }

    /// A new connection: pending, with its deadline.
    private func start(context: ChannelHandlerContext) {
        guard !started, let pending else { return }
        started = true
        pending.add(context.channel)
        let channel = context.channel
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: pending.headerTimeout) {
            channel.close(promise: nil)
        }
    }

    /// No longer pending: it showed the token, or it is closed.
    private func settle(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        pending?.remove(context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            if !authenticated,
                answer.refusal(method: .GET, authorization: head.headers["Authorization"]) == nil
            {
                authenticated = true
                settle(context: context)
            }
        case .body:
            break  // a GET has none; anything sent is ignored
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let keepAlive = head.isKeepAlive
        if let refusal = answer.refusal(method: head.method, authorization: head.headers["Authorization"]) {
            // A caller without the token gets no second try on the same connection.
            write(refusal, keepAlive: authenticated && keepAlive, context: context)
            return
        }
        guard let workers = answer.workers else {
            context.close(promise: nil)  // only tests make an answer without a worker
            return
        }
        let answer = self.answer
        workers.runIfActive(eventLoop: context.eventLoop) { answer.credentialsResponse() }
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let response):
                    self.write(response, keepAlive: keepAlive, context: context)
                case .failure:
                    context.close(promise: nil)
                }
            }
    }

    private func write(_ response: CredentialAnswer.Response, keepAlive: Bool, context: ChannelHandlerContext)
    {
        let body = Array(response.body.utf8)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
