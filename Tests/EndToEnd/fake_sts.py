"""The fake STS of the end-to-end tests that need more than moto: MFA sessions, many callers at once, and
an STS that misbehaves on purpose.

moto's GetSessionToken hands back fixed keys that do not validate as signing keys, so MFA sessions cannot
be tested against moto with signature checks, and moto cannot be told to fail. This is a small threaded
HTTP/1.1 server on 127.0.0.1 (or `host`, IPv6 too; `use_tls` turns it into https) at a free port.

By default it is a stateful STS speaking the query protocol for GetSessionToken, AssumeRole and
GetCallerIdentity. It knows the long-lived keys a test registers (`add_user`) and every temporary
credential it issued (fresh random ASIA... key ids, secrets and tokens; Expiration = now +
DurationSeconds, default 3600 for AssumeRole and 43200 for GetSessionToken; `issued`, in order), and it
VERIFIES the SigV4 signature of every request: recomputed with botocore's SigV4Auth from the method, path,
signed headers and body it received, with the secret of the key id in the Authorization header, for the
region it serves (`region`; None takes the one the request names) and the session token it issued with
that key. The same code recomputes the header a test expects (`expected_authorization`).

Roles require MFA by default, like a trust policy with `aws:MultiFactorAuthPresent`: AssumeRole succeeds
only when signed with an MFA session (GetSessionToken credentials obtained with a code) or when it
carries a valid SerialNumber/TokenCode itself (`allow_role_without_mfa`, or `roles_need_mfa=False` for
every role). A wrong code gets the answer real STS gives: 403 AccessDenied "MultiFactorAuthentication
failed with invalid MFA one time pass code."

A test can override what a request gets: `script(...)` the answers to the next requests, `default` the
answer to every later one. OK is the STS above; the others are faults (FAIL_500, THROTTLE,
ACCESS_DENIED, TRUNCATED, HTML, HANG, RESET, drip(), status(...), ok_expiring_in(), decide(fn) to choose
per request). The signature is checked whatever the answer: a request that fails the check is in
`rejected` (OK answers it 403 SignatureDoesNotMatch), and `running()` and the `fake_sts` fixture fail a
test that leaves any, or any error of the server itself.

What happened: `requests` (every request as received, with its form and the signature check's result),
`calls` (the requests the STS acted on: action, signing key, parameters, answer; `actions(...)`),
`connects` (the targets of proxy CONNECT requests, refused with 403: set as HTTPS_PROXY, the fake shows
which https endpoint a client chose without any network), `connections`.

    with running(region="eu-west-2") as sts:  # or the `fake_sts` fixture below
        sts.add_user(access_key_id, secret, user_name="alice", mfa_serial=SERIAL)
        sts.script(FAIL_500, FAIL_500)        # the next two requests get a 500, later ones `default`
        ... run the tool with AWS_ENDPOINT_URL=sts.url ...
        sts.actions("AssumeRole")             # the calls of that action
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import http.server
import secrets
import socket
import string
import struct
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

ACCOUNT = "123456789012"
REGION = "us-east-1"
NS = "https://sts.amazonaws.com/doc/2011-06-15/"
MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code."

_ALNUM = string.ascii_uppercase + string.digits
_SECRET_CHARS = string.ascii_letters + string.digits + "/+"


def rfc3339(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def error_document(code: str, message: str) -> str:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{_xml_escape(message)}</Message></Error><RequestId>x</RequestId></ErrorResponse>"
    )


# ---------------------------------------------------------------------------------------------------
# Answers


@dataclass(frozen=True)
class Answer:
    kind: str  # ok, status, truncated, hang, reset, drip, decide
    status: int = 200
    content_type: str = "text/xml"
    body: bytes = b""
    lifetime: int | None = None  # ok: the issued credentials' lifetime instead of the requested one
    interval: float = 0.0  # drip: seconds between two bytes
    choose: Callable[[RecordedRequest], Answer] | None = None  # decide


def ok(lifetime: int | None = None, content_type: str = "text/xml") -> Answer:
    """What STS answers (credentials, or its error), sent with `content_type`."""
    return Answer("ok", content_type=content_type, lifetime=lifetime)


def ok_expiring_in(seconds: int) -> Answer:
    """What STS answers, with credentials that expire `seconds` from now, whatever was asked for."""
    return ok(lifetime=seconds)


def status(code: int, content_type: str, body: bytes) -> Answer:
    """This answer, whatever was asked."""
    return Answer("status", status=code, content_type=content_type, body=body)


def drip(interval: float = 0.5) -> Answer:
    """The headers of what STS answers, then one byte of the body every `interval` seconds."""
    return Answer("drip", interval=interval)


def decide(fn: Callable[[RecordedRequest], Answer]) -> Answer:
    """An answer chosen per request: fn(RecordedRequest) returns one of the answers here."""
    return Answer("decide", choose=fn)


OK = ok()
FAIL_500 = status(500, "text/plain", b"Internal Server Error\n")
THROTTLE = status(400, "text/xml", error_document("Throttling", "Rate exceeded").encode())
ACCESS_DENIED_MESSAGE = f"User: arn:aws:iam::{ACCOUNT}:user/e2e is not authorized to perform: sts:AssumeRole"
ACCESS_DENIED = status(403, "text/xml", error_document("AccessDenied", ACCESS_DENIED_MESSAGE).encode())
HTML = status(200, "text/html", b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>\n")
TRUNCATED = Answer("truncated")  # what STS answers, well framed, but only the first half of its body
HANG = Answer("hang")  # reads the request, then never answers (until the server stops)
RESET = Answer("reset")  # reads the request, then closes the socket with SO_LINGER 0 (a TCP RST)


# ---------------------------------------------------------------------------------------------------
# What the fake knows and records


@dataclass
class Identity:
    """Whoever owns a key: an IAM user (long-lived key) or a session issued by this fake."""

    access_key_id: str
    secret: str
    token: str | None  # None for long-lived keys
    arn: str  # user ARN, or assumed-role ARN, or the user's ARN for a GetSessionToken session
    user_id: str
    kind: str  # "user", "session" (GetSessionToken), "role" (AssumeRole)
    mfa: bool = False  # whether the credentials were obtained with an MFA code
    expiration: int | None = None
    user: Identity | None = None  # the IAM user behind a session
    role_arn: str | None = None

    def document(self) -> dict:
        """The credential_process document that hands out these credentials."""
        return {"Version": 1, "AccessKeyId": self.access_key_id, "SecretAccessKey": self.secret,
                "SessionToken": self.token, "Expiration": rfc3339(self.expiration)}


@dataclass
class RecordedRequest:
    """One request as received (whatever it was answered)."""

    method: str
    path: str
    headers: list[tuple[str, str]]  # as received, in order
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)  # the query of a GET, or a form body
    received_at: float = 0.0  # time.monotonic()
    caller: Identity | None = None  # whose signature it carries, when it is valid
    problem: str = ""  # why the signature is not valid

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        assert len(values) <= 1, f"header {name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def param(self, name: str) -> str | None:
        values = self.form.get(name)
        if values is None:
            return None
        assert len(values) == 1, f"form parameter {name} sent {len(values)} times: {values}"
        return values[0]


@dataclass
class Call:
    """One request that reached an action (its signature was valid)."""

    action: str
    access_key_id: str  # the key id that signed it
    params: dict  # the form, without Action and Version
    status: int  # the HTTP status answered
    error: str | None = None  # the error code answered, if any
    issued: Identity | None = None  # the credentials answered, if any
    at: float = field(default_factory=time.time)


# ---------------------------------------------------------------------------------------------------
# SigV4, computed in one place for the server's check and the tests' expectations


def _authorization(request: RecordedRequest, signed: list[tuple[str, str]], access_key_id: str, secret: str,
                   token: str | None, region: str) -> tuple[str, str]:
    """The Authorization header (and the canonical request) botocore's SigV4Auth computes for STS in
    `region` when it signs exactly the headers `signed` (Host and X-Amz-Date among them) of `request`."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    values = dict((name.lower(), value) for name, value in signed)
    aws_request = AWSRequest(method=request.method, url=f"http://{values['host']}{request.path}", data=request.body)
    for name, value in signed:
        aws_request.headers[name] = value
    aws_request.context["timestamp"] = values["x-amz-date"]
    signer = SigV4Auth(Credentials(access_key_id, secret, token), "sts", region)
    canonical = signer.canonical_request(aws_request)
    signature = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    header = (
        f"AWS4-HMAC-SHA256 Credential={signer.scope(aws_request)}, "
        f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(aws_request))}, Signature={signature}"
    )
    return header, canonical


def expected_authorization(request: RecordedRequest, access_key_id: str, secret_access_key: str, region: str,
                           session_token: str | None = None) -> str:
    """The Authorization header botocore computes for the recorded request (its method, Host, path,
    Content-Type, body and X-Amz-Date, with the session token when one is given) with these credentials:
    what the request carries when the tool signs as botocore does."""
    host, content_type, amz_date = (request.header(n) for n in ("Host", "Content-Type", "X-Amz-Date"))
    assert host and content_type and amz_date, f"the request lacks Host, Content-Type or X-Amz-Date: {request.headers}"
    signed = [("Host", host), ("Content-Type", content_type), ("X-Amz-Date", amz_date)]
    if session_token is not None:
        signed.append(("X-Amz-Security-Token", session_token))
    return _authorization(request, signed, access_key_id, secret_access_key, session_token, region)[0]


# ---------------------------------------------------------------------------------------------------
# The server


class FakeSTS:
    def __init__(self, valid_code: str = "123456", host: str = "127.0.0.1", region: str | None = REGION,
                 roles_need_mfa: bool = True):
        self.valid_code = valid_code
        self.region = region
        self.roles_need_mfa = roles_need_mfa
        self.default = OK
        self._script: list[Answer] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.keys: dict[str, Identity] = {}
        self.user_mfa: dict[str, str] = {}  # user access key id -> its MFA device serial
        self.roles_without_mfa: set[str] = set()
        self.requests: list[RecordedRequest] = []
        self.calls: list[Call] = []
        self.issued: list[Identity] = []  # every credential issued, in order
        self.rejected: list[str] = []  # why requests failed the signature check
        self.errors: list[str] = []  # the server's own failures (tracebacks)
        self.connects: list[str] = []  # proxy CONNECT targets
        self.connections = 0

        server_class = _Server6 if ":" in host else _Server  # an IPv6 address such as ::1
        self.server = server_class((host, 0), _handler_class(self))
        self.server.fake = self
        self.host = f"[{host}]" if ":" in host else host
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-sts", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- set-up -------------------------------------------------------------------------------------

    def add_user(self, access_key_id: str, secret: str, user_name: str = "e2e-user", mfa_serial=None):
        arn = f"arn:aws:iam::{ACCOUNT}:user/{user_name}"
        ident = Identity(access_key_id, secret, None, arn, "AIDA" + _rand(_ALNUM, 17), "user")
        with self._lock:
            self.keys[access_key_id] = ident
            if mfa_serial:
                self.user_mfa[access_key_id] = mfa_serial
        return ident

    def allow_role_without_mfa(self, role_arn: str) -> None:
        self.roles_without_mfa.add(role_arn)

    def script(self, *answers: Answer) -> None:
        """The answers to the next requests, in order; later requests get `default`."""
        with self._lock:
            self._script = list(answers)

    def reset(self) -> None:
        """Forgets the answers set and what happened (not the keys it knows, nor rejections and errors)."""
        with self._lock:
            self._script = []
            self.default = OK
            self.requests = []
            self.calls = []
            self.issued = []
            self.connects = []
            self.connections = 0

    def use_tls(self, certfile, keyfile) -> None:
        """Serves https from now on, on the same port."""
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)

    def stop(self) -> None:
        """Stops at once: a hanging or dripping answer ends too."""
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- what happened ------------------------------------------------------------------------------

    def actions(self, action: str, **params) -> list[Call]:
        """Recorded calls of `action` whose parameters include `params`."""
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.action == action and all(c.params.get(k) == v for k, v in params.items())]

    def helper_calls(self) -> list[Call]:
        """The calls the helper makes (the AWS CLI itself only calls GetCallerIdentity)."""
        with self._lock:
            return [c for c in self.calls if c.action in ("GetSessionToken", "AssumeRole")]

    def identity(self, access_key_id: str) -> Identity | None:
        with self._lock:
            return self.keys.get(access_key_id)

    def describe(self) -> str:
        with self._lock:
            lines = [
                f"{c.action} by {c.access_key_id} {c.params} -> {c.status} {c.error or ''}" for c in self.calls
            ]
            lines += [f"REJECTED: {r}" for r in self.rejected]
            lines += [f"ERROR: {e}" for e in self.errors]
        return "fake STS saw:\n  " + "\n  ".join(lines or ["nothing"])

    def assert_clean(self) -> None:
        """Every request was correctly signed (a rejected signature is a tool bug) and the server did
        not fail."""
        assert not self.rejected, "the fake STS rejected requests:\n" + "\n".join(self.rejected)
        assert not self.errors, "the fake STS failed:\n" + "\n".join(self.errors)

    # -- answering ----------------------------------------------------------------------------------

    def _receive(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes):
        """Records the request, checks its signature; returns it and the answer it gets."""
        form = {}
        if method == "GET":
            form = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query, keep_blank_values=True)
        elif any(k.lower() == "content-type" and "x-www-form-urlencoded" in v for k, v in headers):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        request = RecordedRequest(method, path, headers, body, form, time.monotonic())
        try:
            request.caller, request.problem = self._verify(request)
        except Exception as e:  # a malformed request must not kill the server
            request.caller, request.problem = None, f"could not check the signature: {e!r}"
        with self._lock:
            self.requests.append(request)
            if request.caller is None:
                self.rejected.append(request.problem)
            answer = self._script.pop(0) if self._script else self.default
        while answer.kind == "decide":
            answer = answer.choose(request)
        return request, answer

    def _act(self, request: RecordedRequest, lifetime: int | None = None) -> tuple[int, bytes]:
        """What STS answers to a request: (HTTP status, XML)."""
        if request.caller is None:
            return 403, error_document("SignatureDoesNotMatch", request.problem).encode()
        form = {name: values[-1] for name, values in request.form.items()}
        action = form.pop("Action", "")
        version = form.pop("Version", "")
        if version != "2011-06-15":
            return self._record(action, request.caller, form, 400, "InvalidParameterValue", f"bad Version {version!r}")
        handler = {
            "GetSessionToken": self._get_session_token,
            "AssumeRole": self._assume_role,
            "GetCallerIdentity": self._get_caller_identity,
        }.get(action)
        if handler is None:
            return self._record(action, request.caller, form, 400, "InvalidAction", f"unknown action {action!r}")
        return handler(request.caller, form, lifetime)

    def _record(self, action, caller, form, status, code=None, message=None, issued=None, xml=None):
        with self._lock:
            self.calls.append(Call(action, caller.access_key_id, dict(form), status, code, issued))
        if code is not None:
            return status, error_document(code, message or code).encode()
        return status, xml.encode()

    def _verify(self, request: RecordedRequest) -> tuple[Identity | None, str]:
        """Checks the request's SigV4 signature; returns (caller, "") or (None, why)."""
        auth = request.header("Authorization") or ""
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return None, f"no SigV4 Authorization header: {auth!r}"
        parts = {}
        for piece in auth[len("AWS4-HMAC-SHA256 "):].split(","):
            key, _, value = piece.strip().partition("=")
            parts[key] = value
        try:
            key_id, date, region, service, terminator = parts["Credential"].split("/")
            signed = parts["SignedHeaders"].split(";")
        except (KeyError, ValueError):
            return None, f"malformed Authorization header: {auth!r}"
        with self._lock:
            caller = self.keys.get(key_id)
        if caller is None:
            return None, f"unknown access key id {key_id}"
        if (service, terminator) != ("sts", "aws4_request") or self.region not in (None, region):
            return None, f"wrong credential scope {parts['Credential']} (this STS serves {self.region})"
        amz_date = request.header("X-Amz-Date") or ""
        if not amz_date.startswith(date):
            return None, f"X-Amz-Date {amz_date!r} does not match the scope date {date}"
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            return None, f"bad X-Amz-Date {amz_date!r}"
        if abs(when.timestamp() - time.time()) > 300:
            return None, f"X-Amz-Date {amz_date} is more than 5 minutes off"
        for needed in ("host", "x-amz-date"):
            if needed not in signed:
                return None, f"{needed} is not signed ({signed})"
        token = request.header("X-Amz-Security-Token")
        if caller.token is not None:
            if token != caller.token:
                return None, f"{key_id} is a temporary key: the X-Amz-Security-Token must be its session token"
            if "x-amz-security-token" not in signed:
                return None, "x-amz-security-token is not signed"
        elif token is not None:
            return None, f"{key_id} is a long-lived key but the request carries a session token"
        if caller.expiration is not None and caller.expiration <= time.time():
            return None, f"{key_id} expired at {rfc3339(caller.expiration)}"
        sha = request.header("X-Amz-Content-SHA256")
        if sha is not None and sha != hashlib.sha256(request.body).hexdigest():
            return None, "X-Amz-Content-SHA256 does not match the body"
        headers = []
        for name in signed:
            values = request.header_values(name)
            if not values:
                return None, f"signed header {name} is missing"
            headers += [(name, value) for value in values]
        expected, canonical = _authorization(request, headers, caller.access_key_id, caller.secret, caller.token,
                                             region)
        if expected != auth:
            return None, (
                "The request signature we calculated does not match the signature you provided. "
                f"Expected {expected!r}, got {auth!r}. Canonical request:\n{canonical}"
            )
        return caller, ""

    def _check_code(self, form) -> str | None:
        """None when the form's TokenCode is the valid code; otherwise the error message."""
        code = form.get("TokenCode")
        if code is None or not form.get("SerialNumber"):
            return "SerialNumber and TokenCode go together"
        if code != self.valid_code:
            return MFA_FAILED
        return None

    def _issue(self, kind, duration, arn, user_id, mfa, user, role_arn=None) -> Identity:
        key_id = "ASIA" + _rand(_ALNUM, 16)
        ident = Identity(
            key_id, _rand(_SECRET_CHARS, 40), "FQoGZXIvYXdzE" + _rand(string.ascii_letters + string.digits, 200),
            arn, user_id, kind, mfa, int(time.time()) + duration, user, role_arn,
        )
        with self._lock:
            self.keys[key_id] = ident
            self.issued.append(ident)
        # The suite checks that no known secret ever shows on a stderr: issued secrets and tokens count too.
        import e2e_helpers

        e2e_helpers.KNOWN_SECRETS.add(ident.secret)
        e2e_helpers.KNOWN_SECRETS.add(ident.token)
        return ident

    def _get_session_token(self, caller: Identity, form, lifetime):
        action = "GetSessionToken"
        if caller.kind != "user":
            return self._record(action, caller, form, 403, "AccessDenied",
                                "Cannot call GetSessionToken with session credentials")
        try:
            duration = int(form.get("DurationSeconds", "43200"))
        except ValueError:
            return self._record(action, caller, form, 400, "ValidationError", "DurationSeconds is not a number")
        if not 900 <= duration <= 129600:
            return self._record(action, caller, form, 400, "ValidationError",
                                f"DurationSeconds {duration} is not within 900..129600")
        mfa = False
        if "SerialNumber" in form or "TokenCode" in form:
            problem = self._check_code(form)
            if problem is None and self.user_mfa.get(caller.access_key_id) not in (None, form["SerialNumber"]):
                problem = MFA_FAILED
            if problem is not None:
                return self._record(action, caller, form, 403, "AccessDenied", problem)
            mfa = True
        issued = self._issue("session", lifetime or duration, caller.arn, caller.user_id, mfa, caller)
        xml = (
            f'<GetSessionTokenResponse xmlns="{NS}"><GetSessionTokenResult>{_credentials_xml(issued)}'
            f"</GetSessionTokenResult>{_metadata()}</GetSessionTokenResponse>"
        )
        return self._record(action, caller, form, 200, issued=issued, xml=xml)

    def _assume_role(self, caller: Identity, form, lifetime):
        action = "AssumeRole"
        role_arn = form.get("RoleArn", "")
        session = form.get("RoleSessionName", "")
        if not role_arn.startswith(f"arn:aws:iam::{ACCOUNT}:role/") or not session:
            return self._record(action, caller, form, 400, "ValidationError", "RoleArn and RoleSessionName needed")
        try:
            duration = int(form.get("DurationSeconds", "3600"))
        except ValueError:
            return self._record(action, caller, form, 400, "ValidationError", "DurationSeconds is not a number")
        limit = 3600 if caller.kind == "role" else 43200
        if not 900 <= duration <= limit:
            return self._record(action, caller, form, 400, "ValidationError",
                                f"DurationSeconds {duration} is not within 900..{limit}")
        mfa = caller.mfa
        if "SerialNumber" in form or "TokenCode" in form:
            problem = self._check_code(form)
            if problem is not None:
                return self._record(action, caller, form, 403, "AccessDenied", problem)
            mfa = True
        if not mfa and self.roles_need_mfa and role_arn not in self.roles_without_mfa:
            return self._record(
                action, caller, form, 403, "AccessDenied",
                f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn} "
                "(the role's trust policy requires MFA)",
            )
        role_name = role_arn.rsplit("/", 1)[1]
        role_id = "AROA" + _rand(_ALNUM, 17)
        arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session}"
        issued = self._issue("role", lifetime or duration, arn, f"{role_id}:{session}", mfa, caller.user or caller,
                             role_arn)
        xml = (
            f'<AssumeRoleResponse xmlns="{NS}"><AssumeRoleResult>{_credentials_xml(issued)}'
            f"<AssumedRoleUser><Arn>{_xml_escape(arn)}</Arn><AssumedRoleId>{role_id}:{_xml_escape(session)}"
            f"</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>{_metadata()}</AssumeRoleResponse>"
        )
        return self._record(action, caller, form, 200, issued=issued, xml=xml)

    def _get_caller_identity(self, caller: Identity, form, lifetime):
        xml = (
            f'<GetCallerIdentityResponse xmlns="{NS}"><GetCallerIdentityResult>'
            f"<Arn>{_xml_escape(caller.arn)}</Arn><UserId>{_xml_escape(caller.user_id)}</UserId>"
            f"<Account>{ACCOUNT}</Account></GetCallerIdentityResult>{_metadata()}</GetCallerIdentityResponse>"
        )
        return self._record("GetCallerIdentity", caller, form, 200, xml=xml)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a hanging answer never holds the process
    allow_reuse_address = True
    fake: FakeSTS

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], OSError):
            return  # a client that hangs up or is reset is not an error here
        with self.fake._lock:
            self.fake.errors.append(traceback.format_exc())


class _Server6(_Server):
    address_family = socket.AF_INET6


def _handler_class(fake: FakeSTS):
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
            self._handle(b"")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if len(body) < length:  # the client went away in the middle of its request
                self.close_connection = True
                return
            self._handle(body)

        def _handle(self, body: bytes):
            request, answer = fake._receive(self.command, self.path, list(self.headers.items()), body)
            if answer.kind == "status":
                self._send(answer.status, answer.body, answer.content_type)
            elif answer.kind == "ok":
                self._send(*fake._act(request, answer.lifetime), content_type=answer.content_type)
            elif answer.kind == "truncated":
                status, whole = fake._act(request)
                self._send(status, whole[: len(whole) // 2])
            elif answer.kind == "drip":
                self._drip(*fake._act(request), answer.interval)
            elif answer.kind == "hang":
                fake._stopping.wait()
                self.close_connection = True
            elif answer.kind == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()  # with linger 0: a RST instead of a FIN
            else:
                raise ValueError(f"unknown answer {answer}")

        def _start(self, status: int, content_type: str, length: int):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(length))
            self.send_header("x-amzn-RequestId", "fake-" + secrets.token_hex(8))
            self.end_headers()

        def _send(self, status: int, body: bytes, content_type: str = "text/xml"):
            self._start(status, content_type, len(body))
            self.wfile.write(body)
            self.wfile.flush()

        def _drip(self, status: int, body: bytes, interval: float):
            self._start(status, "text/xml", len(body))
            self.wfile.flush()
            try:
                for i in range(len(body)):
                    if fake._stopping.wait(interval):
                        break
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
            except OSError:
                pass  # the client gave up
            self.close_connection = True

    return Handler


def _rand(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _credentials_xml(ident: Identity) -> str:
    return (
        f"<Credentials><AccessKeyId>{ident.access_key_id}</AccessKeyId>"
        f"<SecretAccessKey>{_xml_escape(ident.secret)}</SecretAccessKey>"
        f"<SessionToken>{_xml_escape(ident.token)}</SessionToken>"
        f"<Expiration>{rfc3339(ident.expiration)}</Expiration></Credentials>"
    )


def _metadata() -> str:
    return f"<ResponseMetadata><RequestId>{secrets.token_hex(16)}</RequestId></ResponseMetadata>"


# ---------------------------------------------------------------------------------------------------
# Fixtures (import them into a test module: `from fake_sts import fake_sts`)


@contextlib.contextmanager
def running(valid_code: str = "123456", **options):
    """A fake STS (FakeSTS's options) for a block; afterwards it has rejected no request and not failed."""
    server = FakeSTS(valid_code, **options)
    try:
        yield server
    finally:
        server.stop()
    server.assert_clean()


@pytest.fixture
def fake_sts():
    """A fresh fake STS for one test (us-east-1, roles need MFA)."""
    with running() as server:
        yield server


# ---------------------------------------------------------------------------------------------------
# A small world for one test: long-lived keys stored for a fresh base profile, known to the fake STS,
# and a config file the test writes.

SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/dev"
PROMPT = f"Enter MFA code for {SERIAL}: "
REJECTED = "AWS rejected that code; wait for the next one."


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


class World:
    def __init__(self, env: dict, fake: FakeSTS, directory, mfa_serial: str | None = SERIAL):
        import e2e_helpers as h

        self.h = h
        self.fake = fake
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.base = h.fresh_profile("base")
        self.access_key_id, self.secret = h.new_keys()
        self.user = fake.add_user(self.access_key_id, self.secret, user_name=self.base, mfa_serial=mfa_serial)
        self.config_path = self.dir / "config"
        self.counter = self.dir / "mfa-calls"
        self.env = h.env_with(
            env,
            AWS_CONFIG_FILE=self.config_path,
            AWS_SHARED_CREDENTIALS_FILE=self.dir / "no-credentials-file",
            AWS_ENDPOINT_URL=fake.url,
            AWS_DEFAULT_REGION=REGION,
            AWS_PROFILE=None,
            AWS_ACCESS_KEY_ID=None,
            AWS_SECRET_ACCESS_KEY=None,
            AWS_SESSION_TOKEN=None,
            AWS_PAGER="",
        )
        r = h.store_from_env(self.env, self.base, self.access_key_id, self.secret)
        assert r.rc == 0, r.describe()

    def write_config(self, text: str) -> None:
        self.config_path.write_text(text)

    def mfa_script(self, name="mfa.sh", body=None, code=None, sleep=0) -> str:
        """An executable script that appends a line to the counter file, sleeps, and prints the code
        (or runs `body`); returns it as an mfa_process value."""
        import shlex

        path = self.dir / name
        if body is None:
            body = f"echo {code or self.fake.valid_code}"
        path.write_text(
            "#!/bin/sh\n"
            f"echo \"$$\" >> {shlex.quote(str(self.counter))}\n"
            + (f"sleep {sleep}\n" if sleep else "")
            + body + "\n"
        )
        path.chmod(0o755)
        return shlex.quote(str(path))

    def code_requests(self) -> int:
        """How many times an mfa_process script was run."""
        return len(self.counter.read_text().splitlines()) if self.counter.exists() else 0

    def helper(self, *args, timeout=30):
        return self.h.tool(list(args), self.env, timeout=timeout)

    def document(self, profile, *extra) -> dict:
        """The credential document of `profile`, checked to be clean (nothing on stderr)."""
        r = self.helper("--profile", profile, *extra)
        doc = self.h.credential_document(r)
        assert r.stderr == "", "a successful call writes nothing on stderr\n" + r.describe()
        assert set(doc) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}, doc
        assert doc["Version"] == 1 and type(doc["Version"]) is int, doc
        return doc

    def assert_issued(self, doc: dict, kind: str, role: str | None = None) -> Identity:
        """`doc` is exactly a credential the fake issued (of `kind`, for `role`)."""
        ident = self.fake.identity(doc["AccessKeyId"])
        assert ident is not None and ident.kind == kind, f"{doc['AccessKeyId']} is not a {kind} the fake issued"
        assert doc == ident.document(), (doc, ident.document())
        if role is not None:
            assert ident.role_arn == role, (ident.role_arn, role)
        return ident
