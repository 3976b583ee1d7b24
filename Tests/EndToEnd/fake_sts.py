"""A fake STS for the MFA and concurrency end-to-end tests.

moto's GetSessionToken hands back fixed keys that do not validate as signing keys, so MFA sessions
cannot be tested against moto with signature checks. This is a small threaded HTTP server on
127.0.0.1 (random port) that speaks STS's query protocol for GetSessionToken, AssumeRole and
GetCallerIdentity, and that VERIFIES the SigV4 signature of every request (recomputed with botocore's
SigV4Auth from the method, URL, signed headers and body it received, with the secret it knows for the
access key id in the Authorization header, and the session token it issued with that key).

It knows the long-lived keys a test registers (`add_user`) and every temporary credential it has issued
(fresh random ASIA... key ids, secrets and tokens; Expiration = now + DurationSeconds, default 3600
for AssumeRole and 43200 for GetSessionToken). Every request is recorded (`calls`), so a test can count
GetSessionToken / AssumeRole calls per role and check which key signed them and with what parameters.

Roles require MFA by default, like a trust policy with `aws:MultiFactorAuthPresent`: AssumeRole
succeeds only when signed with an MFA session (GetSessionToken credentials obtained with a code) or
when it carries a valid SerialNumber/TokenCode itself. A wrong code gets the answer real STS gives:
403 AccessDenied "MultiFactorAuthentication failed with invalid MFA one time pass code."

    with FakeSTS() as sts:                    # or the `fake_sts` fixture below
        sts.add_user(access_key_id, secret, user_name="alice", mfa_serial=SERIAL)
        ... run the tool with AWS_ENDPOINT_URL=sts.url AWS_DEFAULT_REGION=us-east-1 ...
        sts.actions("GetSessionToken")        # the recorded calls of that action
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import http.server
import secrets
import string
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import pytest

ACCOUNT = "123456789012"
REGION = "us-east-1"
NS = "https://sts.amazonaws.com/doc/2011-06-15/"
MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code."

_ALNUM = string.ascii_uppercase + string.digits
_SECRET_CHARS = string.ascii_letters + string.digits + "/+"


def _iso(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


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
    user: "Identity | None" = None  # the IAM user behind a session
    role_arn: str | None = None


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


class FakeSTS:
    def __init__(self, valid_code: str = "123456"):
        self.valid_code = valid_code
        self._lock = threading.Lock()
        self.keys: dict[str, Identity] = {}
        self.user_mfa: dict[str, str] = {}  # user access key id -> its MFA device serial
        self.calls: list[Call] = []
        self.rejected: list[str] = []  # requests refused before any action (bad signature, ...)
        self.roles_without_mfa: set[str] = set()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-sts", daemon=True)
        self._thread.start()

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

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

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
        return "fake STS saw:\n  " + "\n  ".join(lines or ["nothing"])

    # -- the server ---------------------------------------------------------------------------------

    def _handler_class(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = fake._answer("POST", self.path, self.headers, body)
                data = payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", "fake-" + secrets.token_hex(8))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                status, payload = fake._answer("GET", self.path, self.headers, b"")
                data = payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _answer(self, method, path, headers, body: bytes) -> tuple[int, str]:
        try:
            caller, problem = self._verify(method, path, headers, body)
        except Exception as e:  # a malformed request must not kill the server
            caller, problem = None, f"could not check the signature: {e!r}"
        if caller is None:
            with self._lock:
                self.rejected.append(problem)
            return 403, _error("SignatureDoesNotMatch", problem)
        form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)) if method == "POST" else {}
        if method == "GET":
            form = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query, keep_blank_values=True))
        action = form.pop("Action", "")
        version = form.pop("Version", "")
        if version != "2011-06-15":
            return self._record(action, caller, form, 400, "InvalidParameterValue", f"bad Version {version!r}")
        handler = {
            "GetSessionToken": self._get_session_token,
            "AssumeRole": self._assume_role,
            "GetCallerIdentity": self._get_caller_identity,
        }.get(action)
        if handler is None:
            return self._record(action, caller, form, 400, "InvalidAction", f"unknown action {action!r}")
        return handler(caller, form)

    def _record(self, action, caller, form, status, code=None, message=None, issued=None, xml=None):
        with self._lock:
            self.calls.append(Call(action, caller.access_key_id, dict(form), status, code, issued))
        if code is not None:
            return status, _error(code, message or code)
        return status, xml

    def _verify(self, method, path, headers, body) -> tuple[Identity | None, str]:
        """Recomputes the request's SigV4 signature with botocore; returns (caller, "") or (None, why)."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        auth = headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return None, f"no SigV4 Authorization header: {auth!r}"
        parts = {}
        for piece in auth[len("AWS4-HMAC-SHA256 "):].split(","):
            key, _, value = piece.strip().partition("=")
            parts[key] = value
        try:
            key_id, date, region, service, terminator = parts["Credential"].split("/")
            signed = parts["SignedHeaders"].split(";")
            signature = parts["Signature"]
        except (KeyError, ValueError):
            return None, f"malformed Authorization header: {auth!r}"
        with self._lock:
            caller = self.keys.get(key_id)
        if caller is None:
            return None, f"unknown access key id {key_id}"
        if (region, service, terminator) != (REGION, "sts", "aws4_request"):
            return None, f"wrong credential scope {parts['Credential']}"
        amz_date = headers.get("X-Amz-Date", "")
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
        token = headers.get("X-Amz-Security-Token")
        if caller.token is not None:
            if token != caller.token:
                return None, f"{key_id} is a temporary key: the X-Amz-Security-Token must be its session token"
            if "x-amz-security-token" not in signed:
                return None, "x-amz-security-token is not signed"
        elif token is not None:
            return None, f"{key_id} is a long-lived key but the request carries a session token"
        if caller.expiration is not None and caller.expiration <= time.time():
            return None, f"{key_id} expired at {_iso(caller.expiration)}"
        sha = headers.get("X-Amz-Content-SHA256")
        if sha is not None and sha != hashlib.sha256(body).hexdigest():
            return None, "X-Amz-Content-SHA256 does not match the body"

        host = headers.get("Host", "")
        request = AWSRequest(method=method, url=f"http://{host}{path}", data=body)
        for name in signed:
            values = headers.get_all(name)
            if not values:
                return None, f"signed header {name} is missing"
            for value in values:
                request.headers[name] = value
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(caller.access_key_id, caller.secret, caller.token), "sts", REGION)
        canonical = signer.canonical_request(request)
        if signer.signed_headers(signer.headers_to_sign(request)) != ";".join(signed):
            return None, f"the signed headers {signed} are not what SigV4 signs"
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if expected != signature:
            return None, (
                "The request signature we calculated does not match the signature you provided. "
                f"Canonical request:\n{canonical}"
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
        # The suite checks that no known secret ever shows on a stderr: issued secrets and tokens count too.
        import e2e_helpers

        e2e_helpers.KNOWN_SECRETS.add(ident.secret)
        e2e_helpers.KNOWN_SECRETS.add(ident.token)
        return ident

    def _get_session_token(self, caller: Identity, form):
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
        issued = self._issue("session", duration, caller.arn, caller.user_id, mfa, caller)
        xml = (
            f'<GetSessionTokenResponse xmlns="{NS}"><GetSessionTokenResult>{_credentials_xml(issued)}'
            f"</GetSessionTokenResult>{_metadata()}</GetSessionTokenResponse>"
        )
        return self._record(action, caller, form, 200, issued=issued, xml=xml)

    def _assume_role(self, caller: Identity, form):
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
        if not mfa and role_arn not in self.roles_without_mfa:
            return self._record(
                action, caller, form, 403, "AccessDenied",
                f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn} "
                "(the role's trust policy requires MFA)",
            )
        role_name = role_arn.rsplit("/", 1)[1]
        role_id = "AROA" + _rand(_ALNUM, 17)
        arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session}"
        issued = self._issue("role", duration, arn, f"{role_id}:{session}", mfa, caller.user or caller, role_arn)
        xml = (
            f'<AssumeRoleResponse xmlns="{NS}"><AssumeRoleResult>{_credentials_xml(issued)}'
            f"<AssumedRoleUser><Arn>{_xml_escape(arn)}</Arn><AssumedRoleId>{role_id}:{_xml_escape(session)}"
            f"</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>{_metadata()}</AssumeRoleResponse>"
        )
        return self._record(action, caller, form, 200, issued=issued, xml=xml)

    def _get_caller_identity(self, caller: Identity, form):
        xml = (
            f'<GetCallerIdentityResponse xmlns="{NS}"><GetCallerIdentityResult>'
            f"<Arn>{_xml_escape(caller.arn)}</Arn><UserId>{_xml_escape(caller.user_id)}</UserId>"
            f"<Account>{ACCOUNT}</Account></GetCallerIdentityResult>{_metadata()}</GetCallerIdentityResponse>"
        )
        return self._record("GetCallerIdentity", caller, form, 200, xml=xml)


def _rand(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _credentials_xml(ident: Identity) -> str:
    return (
        f"<Credentials><AccessKeyId>{ident.access_key_id}</AccessKeyId>"
        f"<SecretAccessKey>{_xml_escape(ident.secret)}</SecretAccessKey>"
        f"<SessionToken>{_xml_escape(ident.token)}</SessionToken>"
        f"<Expiration>{_iso(ident.expiration)}</Expiration></Credentials>"
    )


def _metadata() -> str:
    return f"<ResponseMetadata><RequestId>{secrets.token_hex(16)}</RequestId></ResponseMetadata>"


def _error(code: str, message: str) -> str:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{_xml_escape(message)}</Message></Error><RequestId>x</RequestId></ErrorResponse>"
    )


# ---------------------------------------------------------------------------------------------------
# Fixtures (import them into a test module: `from fake_sts import fake_sts, mfa_env`)


@pytest.fixture
def fake_sts():
    """A fresh fake STS for one test."""
    server = FakeSTS()
    try:
        yield server
    finally:
        server.stop()
        # Every request a test makes must be correctly signed: a rejected signature is a tool bug.
        assert not server.rejected, "the fake STS rejected requests:\n" + "\n".join(server.rejected)


@contextlib.contextmanager
def running(valid_code="123456"):
    server = FakeSTS(valid_code)
    try:
        yield server
    finally:
        server.stop()


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
        assert doc["SecretAccessKey"] == ident.secret and doc["SessionToken"] == ident.token
        assert doc["Expiration"] == _iso(ident.expiration), (doc["Expiration"], _iso(ident.expiration))
        if role is not None:
            assert ident.role_arn == role, (ident.role_arn, role)
        return ident
