"""A fake STS on loopback for the end-to-end tests: a small threaded HTTP server that records every
request it receives and answers each one as it is told (a good AssumeRole answer, a service error,
a 500, a throttle, truncated XML, HTML, a hang, a connection reset, a slow drip of bytes).

    with FakeSTS() as sts:
        sts.script(FAIL_500, FAIL_500)     # the next two requests get a 500 ...
        sts.default = OK                    # ... every later one a good answer (the default)
        ... run the tool against sts.url ...
        sts.requests                        # [RecordedRequest(method, path, headers, body, form), ...]

It also records proxy CONNECT requests (the target host:port) when used as HTTPS_PROXY, answering
them with 403, so a test can see which https endpoint a client chose without any network.

No moto and no botocore are needed to serve; `verify_signature` uses botocore's SigV4Auth to recompute
the Authorization header of a recorded request.
"""

from __future__ import annotations

import datetime
import http.server
import secrets
import socket
import socketserver
import struct
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape as _xml
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------------
# Answers (each a tuple: name, parameters...)

OK = ("ok",)
FAIL_500 = ("status", 500, "text/plain", b"Internal Server Error\n")
THROTTLE = (
    "status",
    400,
    "text/xml",
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
    b"</Error><RequestId>x</RequestId></ErrorResponse>",
)
ACCESS_DENIED_MESSAGE = "User: arn:aws:iam::123456789012:user/e2e is not authorized to perform: sts:AssumeRole"
ACCESS_DENIED = (
    "status",
    403,
    "text/xml",
    (
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
        f"<Code>AccessDenied</Code><Message>{ACCESS_DENIED_MESSAGE}</Message></Error>"
        "<RequestId>d1</RequestId></ErrorResponse>"
    ).encode(),
)
TRUNCATED = ("truncated",)  # 200, a well-framed body that is the first half of a good answer
HTML = ("status", 200, "text/html", b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>\n")
HANG = ("hang",)  # reads the request, then never answers (until the server stops)
RESET = ("reset",)  # reads the request, then closes the socket with SO_LINGER 0 (a TCP RST)


def ok_expiring_in(seconds: int) -> tuple:
    """A good answer whose credentials expire `seconds` from now, whatever was asked for."""
    return ("ok", seconds)


def decide(fn) -> tuple:
    """An answer chosen per request: fn(RecordedRequest) returns one of the answers above."""
    return ("decide", fn)


def drip(interval: float = 0.5) -> tuple:
    """200 with the headers of a good answer, then one byte of the body every `interval` seconds."""
    return ("drip", interval)


def rfc3339(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------------
# Recorded requests


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: list[tuple[str, str]]  # as received, in order
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)
    received_at: float = 0.0

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        assert len(values) <= 1, f"header {name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def param(self, name: str) -> str | None:
        values = self.form.get(name)
        if values is None:
            return None
        assert len(values) == 1, f"form parameter {name} sent {len(values)} times: {values}"
        return values[0]


@dataclass
class IssuedCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str


class FakeSTS:
    """A threaded HTTP/1.1 server on 127.0.0.1 (or `host`, IPv6 addresses too) at a free port."""

    def __init__(self, host: str = "127.0.0.1", account: str = "123456789012"):
        self.account = account
        self.default = OK
        self._script: list[tuple] = []
        self.requests: list[RecordedRequest] = []
        self.connects: list[str] = []  # proxy CONNECT targets
        self.issued: list[IssuedCredentials] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                with fake._lock:
                    fake.connections += 1

            def do_CONNECT(self):
                with fake._lock:
                    fake.connects.append(self.path)
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

            def do_GET(self):
                self._handle()

            def do_POST(self):
                self._handle()

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                form = {}
                if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                request = RecordedRequest(
                    method=self.command, path=self.path, headers=list(self.headers.items()), body=body,
                    form=form, received_at=time.monotonic(),
                )
                with fake._lock:
                    fake.requests.append(request)
                    action = fake._script.pop(0) if fake._script else fake.default
                while action[0] == "decide":  # ("decide", fn): fn(request) picks the answer
                    action = action[1](request)
                getattr(self, "_answer_" + action[0])(request, *action[1:])

            def _send(self, status, content_type, body: bytes):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def _answer_ok(self, request, lifetime=None):
                self._send(200, "text/xml", fake.good_answer(request, lifetime))

            def _answer_status(self, request, status, content_type, body):
                self._send(status, content_type, body)

            def _answer_truncated(self, request):
                good = fake.good_answer(request)
                self._send(200, "text/xml", good[: len(good) // 2])

            def _answer_hang(self, request):
                fake._stopping.wait()
                self.close_connection = True

            def _answer_reset(self, request):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                # Closing now with linger 0 sends a RST instead of a FIN.
                self.connection.close()

            def _answer_drip(self, request, interval):
                good = fake.good_answer(request)
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(good)))
                self.end_headers()
                self.wfile.flush()
                try:
                    for i in range(len(good)):
                        if fake._stopping.wait(interval):
                            break
                        self.wfile.write(good[i : i + 1])
                        self.wfile.flush()
                except OSError:
                    pass  # the client gave up
                self.close_connection = True

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # a client that hangs up is not an error here

        if ":" in host:  # an IPv6 address such as ::1
            Server.address_family = socket.AF_INET6
        self.server = Server((host, 0), Handler)
        self.host = f"[{host}]" if ":" in host else host
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-sts", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def script(self, *actions: tuple) -> None:
        """The answers to the next requests, in order; later requests get `default`."""
        with self._lock:
            self._script = list(actions)

    def reset(self) -> None:
        with self._lock:
            self._script = []
            self.default = OK
            self.requests = []
            self.connects = []
            self.issued = []
            self.connections = 0

    def good_answer(self, request: RecordedRequest, lifetime: int | None = None) -> bytes:
        """A good AssumeRole (or GetSessionToken) answer with fresh credentials, expiring after
        `lifetime` seconds, by default the requested DurationSeconds (default 3600), from now."""
        duration = lifetime if lifetime is not None else int(request.param("DurationSeconds") or 3600)
        creds = IssuedCredentials(
            access_key_id="ASIAFAKE" + secrets.token_hex(6).upper(),
            secret_access_key=secrets.token_urlsafe(30)[:40],
            session_token="FwoGZXIvYXdzEFAKE" + secrets.token_urlsafe(96),
            expiration=rfc3339(time.time() + duration),
        )
        with self._lock:
            self.issued.append(creds)
        # No stderr of the suite may show an issued secret or token (e2e_helpers.run checks).
        import e2e_helpers

        e2e_helpers.KNOWN_SECRETS.update((creds.secret_access_key, creds.session_token))
        action = request.param("Action") or "AssumeRole"
        role_arn = request.param("RoleArn") or f"arn:aws:iam::{self.account}:role/r"
        role_name = _xml(role_arn.rsplit("/", 1)[-1])
        session = _xml(request.param("RoleSessionName") or "s")
        credentials = (
            f"<Credentials><AccessKeyId>{creds.access_key_id}</AccessKeyId>"
            f"<SecretAccessKey>{creds.secret_access_key}</SecretAccessKey>"
            f"<SessionToken>{creds.session_token}</SessionToken>"
            f"<Expiration>{creds.expiration}</Expiration></Credentials>"
        )
        if action == "GetSessionToken":
            inner = f"<GetSessionTokenResult>{credentials}</GetSessionTokenResult>"
        else:
            inner = (
                f"<AssumeRoleResult>{credentials}<AssumedRoleUser>"
                f"<Arn>arn:aws:sts::{self.account}:assumed-role/{role_name}/{session}</Arn>"
                f"<AssumedRoleId>AROAFAKEFAKEFAKE:{session}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>"
            )
        return (
            f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">{inner}'
            f"<ResponseMetadata><RequestId>{secrets.token_hex(8)}</RequestId></ResponseMetadata>"
            f"</{action}Response>"
        ).encode()

    def close(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------------------------------
# Signature check


def expected_authorization(request: RecordedRequest, access_key_id: str, secret_access_key: str,
                           region: str, session_token: str | None = None) -> str:
    """The Authorization header botocore's SigV4Auth computes for the recorded request (its method, Host
    header, path, Content-Type, body and X-Amz-Date) with the given credentials."""
    from unittest import mock

    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    host = request.header("Host")
    amz_date = request.header("X-Amz-Date")
    assert host and amz_date, f"the request lacks Host or X-Amz-Date: {request.headers}"
    aws_request = AWSRequest(method=request.method, url=f"http://{host}{request.path}", data=request.body)
    aws_request.headers["Host"] = host
    aws_request.headers["Content-Type"] = request.header("Content-Type")
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    signer = botocore.auth.SigV4Auth(Credentials(access_key_id, secret_access_key, session_token), "sts", region)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        signer.add_auth(aws_request)
    return aws_request.headers["Authorization"]
