"""Credential sources end to end: instance metadata and the container endpoint (loopback fakes defined
here) feeding a role assumed through moto with signature checking, web identity through moto, a source
profile's credential_process, this helper named in a credential_process, and the guard against helpers
calling themselves in a loop."""

from __future__ import annotations

import json
import shutil
import time
from http.server import BaseHTTPRequestHandler

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, credential_document, env_with, store_from_env, tool

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"Federated": "*"}, "Action": "sts:AssumeRoleWithWebIdentity"},
        ],
    }
)
ROLES = {"target": TRUST}


class SignedMoto(h.MotoServer):
    """moto_server checking SigV4 signatures after the setup calls: an IAM user with a key and a role
    any principal of the account may assume."""

    def __init__(self, root, signatures=True):
        super().__init__(root, unsigned_calls=h.moto_setup_calls(ROLES) if signatures else None)
        try:
            user = self.create_user("sources-user", ROLES)
        except BaseException:
            self.stop()
            raise
        self.role_arn = user.role_arns["target"]
        self.key_id, self.secret = user.access_key_id, user.secret_access_key

    def instance_credentials(self) -> dict:
        """Temporary credentials as IMDS or the container endpoint hand them out: a role session of
        moto's (moto accepts a session token only with keys it issued for it)."""
        import boto3

        sts = boto3.client(
            "sts", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id=self.key_id, aws_secret_access_key=self.secret,
        )
        creds = sts.assume_role(RoleArn=self.role_arn, RoleSessionName="instance")["Credentials"]
        h.KNOWN_SECRETS.add(creds["SecretAccessKey"])
        return creds

    def identity(self, doc) -> str:
        """The ARN moto sees for a credential document (a signed call: the keys must be valid)."""
        import boto3

        sts = boto3.client(
            "sts", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id=doc["AccessKeyId"], aws_secret_access_key=doc["SecretAccessKey"],
            aws_session_token=doc.get("SessionToken"),
        )
        return sts.get_caller_identity()["Arn"]


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    server = SignedMoto(tmp_path_factory.mktemp("sources-moto"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def unsigned_moto(tmp_path_factory):
    """moto without signature checks, for AssumeRoleWithWebIdentity: moto_server's signature check
    fails every unsigned request (KeyError on the missing Authorization header, HTTP 500), even the
    actions AWS serves unsigned, so a correct web identity call cannot go through a checking moto."""
    server = SignedMoto(tmp_path_factory.mktemp("sources-moto-unsigned"), signatures=False)
    yield server
    server.stop()


class RecordingProxy(h.LoopbackServer):
    """Forwards POSTs to `target` and records each request's headers and form fields."""

    def __init__(self, target):
        import urllib.parse
        import urllib.request

        self.requests = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                proxy.requests.append((headers, dict(urllib.parse.parse_qsl(body.decode()))))
                forwarded = urllib.request.Request(
                    target + self.path, data=body, method="POST",
                    headers={k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")},
                )
                try:
                    with urllib.request.urlopen(forwarded, timeout=10) as r:
                        status, data = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)


class FakeEndpoint(h.LoopbackServer):
    """A threaded HTTP server on loopback answering with `routes[(method, path)](handler)` and recording
    (method, path, headers) of every request."""

    def __init__(self, routes):
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self):
                fake.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                route = routes.get((self.command, self.path))
                status, body = route(self) if route else (404, "not found")
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = answer

        self.serve(Handler)


def metadata_document(moto):
    """What IMDS and the container endpoint answer: real moto role credentials, so the role is assumed
    with a signature moto checks."""
    creds = moto.instance_credentials()
    return json.dumps(
        {
            "Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": creds["AccessKeyId"],
            "SecretAccessKey": creds["SecretAccessKey"], "Token": creds["SessionToken"],
            "Expiration": creds["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )


@pytest.fixture
def imds(moto):
    token = "imds-session-token"

    def with_token(body):
        return lambda r: (200, body) if r.headers.get("X-aws-ec2-metadata-token") == token else (401, "")

    fake = FakeEndpoint(
        {
            ("PUT", "/latest/api/token"): lambda r: (
                (200, token) if r.headers.get("X-aws-ec2-metadata-token-ttl-seconds") == "21600" else (400, "")
            ),
            ("GET", "/latest/meta-data/iam/security-credentials/"): with_token("instance-role"),
            ("GET", "/latest/meta-data/iam/security-credentials/instance-role"): with_token(metadata_document(moto)),
        }
    )
    yield fake
    fake.close()


def role_config(profile, moto, source_line):
    return f"[profile {profile}]\nrole_arn = {moto.role_arn}\n{source_line}\nregion = us-east-1\n"


def sts_env(env, moto, **more):
    return env_with(env, AWS_ENDPOINT_URL_STS=moto.url, **more)


def assert_role_document(result, moto):
    doc = credential_document(result)
    assert doc["AccessKeyId"] != moto.key_id, doc["AccessKeyId"]
    assert doc["SessionToken"] and doc["Expiration"].endswith("Z")
    assert ":assumed-role/target/" in moto.identity(doc)
    return doc


def explain_chain(env, profile):
    result = tool(["explain", "--profile", profile, "--json"], env)
    assert result.rc == 0, result.describe()
    return json.loads(result.stdout)["chain"]


# --- Instance metadata ------------------------------------------------------------------------------


def test_instance_metadata_feeds_a_signed_assume_role(write_configs, moto, imds):
    profile = h.fresh_profile("ec2")
    env = sts_env(
        write_configs(config=role_config(profile, moto, "credential_source = Ec2InstanceMetadata")), moto,
        AWS_EC2_METADATA_DISABLED=None, AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url,
    )
    result = tool(["--profile", profile], env)
    assert_role_document(result, moto)
    assert [(m, p) for m, p, _ in imds.requests] == [
        ("PUT", "/latest/api/token"),
        ("GET", "/latest/meta-data/iam/security-credentials/"),
        ("GET", "/latest/meta-data/iam/security-credentials/instance-role"),
    ]
    chain = explain_chain(env, profile)
    assert chain[0]["type"] == "instance-metadata" and chain[0]["endpoint"] == imds.url
    assert chain[1]["type"] == "assume-role" and chain[1]["roleArn"] == moto.role_arn


def test_instance_metadata_disabled_is_a_clean_failure(write_configs, moto, imds):
    profile = h.fresh_profile("ec2-off")
    env = sts_env(
        write_configs(config=role_config(profile, moto, "credential_source = Ec2InstanceMetadata")), moto,
        AWS_EC2_METADATA_DISABLED="true", AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url,
    )
    assert_clean_failure(tool(["--profile", profile], env), mentions=["AWS_EC2_METADATA_DISABLED"])
    assert imds.requests == []


def test_instance_metadata_that_does_not_answer_fails_within_the_configured_time(write_configs, moto):
    profile = h.fresh_profile("ec2-dead")
    config = role_config(profile, moto, "credential_source = Ec2InstanceMetadata") + (
        "metadata_service_num_attempts = 2\n"
    )
    # A listening socket that never answers.
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        env = sts_env(
            write_configs(config=config), moto, AWS_EC2_METADATA_DISABLED=None,
            AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{silent.getsockname()[1]}",
        )
        started = time.monotonic()
        result = tool(["--profile", profile], env)
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert_clean_failure(result, mentions=["Ec2InstanceMetadata", "2 attempts"])
    # One token PUT that times out (1 s), then two GETs of 1 s each: not before those 3 s, and long
    # before the next limit the call could reach (the STS call's).
    assert 2.5 < elapsed < 3 + h.STS_CALL_LIMIT, elapsed


# --- Container endpoint -----------------------------------------------------------------------------


def test_container_endpoint_with_a_token_file(write_configs, moto, tmp_path):
    token_file = tmp_path / "pod-token"
    token_file.write_text("pod-identity-token")
    fake = FakeEndpoint(
        {
            ("GET", "/v1/credentials"): lambda r: (
                (200, metadata_document(moto)) if r.headers.get("Authorization") == "pod-identity-token" else (401, "")
            )
        }
    )
    try:
        profile = h.fresh_profile("ecs")
        env = sts_env(
            write_configs(config=role_config(profile, moto, "credential_source = EcsContainer")), moto,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.url + "/v1/credentials",
            AWS_CONTAINER_AUTHORIZATION_TOKEN="ignored-when-a-file-is-set",
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token_file,
        )
        assert_role_document(tool(["--profile", profile], env), moto)
        assert [(m, p, hd.get("authorization")) for m, p, hd in fake.requests] == [
            ("GET", "/v1/credentials", "pod-identity-token")
        ]
        chain = explain_chain(env, profile)
        assert chain[0] == {
            "type": "container-endpoint", "profile": profile, "url": fake.url + "/v1/credentials",
            "authorization": "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        }
    finally:
        fake.close()


def test_container_endpoint_on_a_refused_host(write_configs, moto):
    profile = h.fresh_profile("ecs-bad")
    env = sts_env(
        write_configs(config=role_config(profile, moto, "credential_source = EcsContainer")), moto,
        AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.10/creds",
    )
    assert_clean_failure(tool(["--profile", profile], env), mentions=["192.0.2.10", "not allowed"])


# --- Web identity -----------------------------------------------------------------------------------


def test_web_identity_through_moto(write_configs, unsigned_moto, tmp_path):
    moto = unsigned_moto
    token_file = tmp_path / "web-token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    profile, above = h.fresh_profile("web"), h.fresh_profile("above-web")
    config = (
        f"[profile {profile}]\nrole_arn = {moto.role_arn}\nweb_identity_token_file = {token_file}\n"
        f"role_session_name = e2e-web\nregion = us-east-1\n"
    ) + role_config(above, moto, f"source_profile = {profile}")
    proxy = RecordingProxy(moto.url)
    try:
        env = env_with(write_configs(config=config), AWS_ENDPOINT_URL_STS=proxy.url)
        doc = credential_document(tool(["--profile", profile], env))
        assert doc["AccessKeyId"] != moto.key_id and doc["SessionToken"]
        assert moto.identity(doc).endswith(":assumed-role/target/e2e-web")
        headers, form = proxy.requests[0]
        assert "authorization" not in headers and "x-amz-security-token" not in headers
        assert form["Action"] == "AssumeRoleWithWebIdentity"
        assert form["WebIdentityToken"] == "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
        assert form["RoleSessionName"] == "e2e-web" and form["RoleArn"] == moto.role_arn
        chain = explain_chain(env, profile)
        assert chain[0]["type"] == "web-identity" and chain[0]["tokenFile"] == str(token_file)

        # A web identity profile as the source of another role; the token is read again.
        token_file.write_text("eyJhbGciOiJSUzI1NiJ9.e30.bmV3")
        assert_role_document(tool(["--profile", above], env), moto)
        assert [f["Action"] for _, f in proxy.requests[1:]] == ["AssumeRoleWithWebIdentity", "AssumeRole"]
        assert proxy.requests[1][1]["WebIdentityToken"] == "eyJhbGciOiJSUzI1NiJ9.e30.bmV3"
        assert "authorization" in proxy.requests[2][0]

        token_file.unlink()
        assert_clean_failure(tool(["--profile", profile], env), mentions=[str(token_file), "does not exist"])
    finally:
        proxy.close()


def test_web_identity_from_the_environment_when_no_profile_is_named(write_configs, unsigned_moto, tmp_path):
    moto = unsigned_moto
    token_file = tmp_path / "env-token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.e30.ZW52")
    named = h.fresh_profile("named")
    env = sts_env(
        write_configs(config=f"[default]\nregion = us-east-1\n[profile {named}]\nregion = us-east-1\n"), moto,
        AWS_PROFILE=None, AWS_WEB_IDENTITY_TOKEN_FILE=token_file, AWS_ROLE_ARN=moto.role_arn,
        AWS_ROLE_SESSION_NAME="from-env",
    )
    doc = credential_document(tool([], env))
    assert moto.identity(doc).endswith(":assumed-role/target/from-env")
    # Named with --profile, the variables do not apply (as botocore): the keyring is asked instead (and
    # has no keys under this fresh name; the shared test keyring may hold keys for "default").
    assert_clean_failure(tool(["--profile", named], env), mentions=["no keys are stored"])


# --- credential_process sources ---------------------------------------------------------------------


def test_a_source_profiles_credential_process(write_configs, moto, tmp_path):
    script = tmp_path / "print-keys"
    script.write_text(
        "#!/bin/sh\necho 'a note on stderr' >&2\n"
        f"printf '%s' '{json.dumps({'Version': 1, 'AccessKeyId': moto.key_id, 'SecretAccessKey': moto.secret})}'\n"
    )
    script.chmod(0o700)
    role, source = h.fresh_profile("proc-role"), h.fresh_profile("proc-src")
    config = role_config(role, moto, f"source_profile = {source}") + (
        f"[profile {source}]\ncredential_process = {script} --some 'argument'\n"
    )
    env = sts_env(write_configs(config=config), moto)
    result = tool(["--profile", role], env)
    assert_role_document(result, moto)
    assert "a note on stderr" in result.stderr
    assert explain_chain(env, role)[0] == {
        "type": "credential-process", "profile": source, "command": f"{script} --some 'argument'"
    }

    script.write_text("#!/bin/sh\necho 'cannot get keys' >&2\nexit 3\n")
    result = tool(["--profile", role, "--refresh"], env)
    assert_clean_failure(result, mentions=["cannot get keys", "exited with status 3", source])


def test_this_helper_as_a_source_is_resolved_without_starting_it(write_configs, env, moto):
    base = h.fresh_profile("keys")
    stored = store_from_env(sts_env(env, moto), base, moto.key_id, moto.secret)
    assert stored.rc == 0, stored.describe()
    role, via = h.fresh_profile("over-helper"), h.fresh_profile("via-helper")
    config = role_config(role, moto, f"source_profile = {via}") + (
        f"[profile {via}]\ncredential_process = awskeyring-helper --profile {base}\n"
    )
    # awskeyring-helper is not on PATH: starting it would fail.
    e = sts_env(write_configs(config=config), moto, PATH="/usr/bin:/bin")
    assert shutil.which("awskeyring-helper", path=e["PATH"]) is None
    assert_role_document(tool(["--profile", role], e), moto)
    chain = explain_chain(e, role)
    assert chain[0] == {"type": "keyring", "profile": base, "stored": True}
    assert chain[1] == {"type": "helper-credential-process", "profile": via, "target": base}


def test_a_loop_through_a_wrapper_script_is_refused_quickly(write_configs, moto, tmp_path, helper_bin):
    wrapper = tmp_path / "wrapper"
    a, b = h.fresh_profile("loop-a"), h.fresh_profile("loop-b")
    wrapper.write_text(f"#!/bin/sh\nexec '{helper_bin}' --profile {a}\n")
    wrapper.chmod(0o700)
    config = role_config(a, moto, f"source_profile = {b}") + f"[profile {b}]\ncredential_process = {wrapper}\n"
    env = sts_env(write_configs(config=config), moto)
    started = time.monotonic()
    result = tool(["--profile", a], env, timeout=20)
    elapsed = time.monotonic() - started
    assert_clean_failure(result, mentions=["credential_process loop", f"{a} > {b} > {a}"])
    assert elapsed < h.well_under(20), f"{elapsed:.1f}s: the loop was not refused before the run's 20 s limit"


def test_a_loop_through_the_helper_named_directly_is_refused(write_configs, moto):
    a, b = h.fresh_profile("dloop-a"), h.fresh_profile("dloop-b")
    config = role_config(a, moto, f"source_profile = {b}") + (
        f"[profile {b}]\ncredential_process = awskeyring-helper --profile {a}\n"
    )
    result = tool(["--profile", a], sts_env(write_configs(config=config), moto), timeout=10)
    assert_clean_failure(result, mentions=["credential_process loop", f"{a} -> {b} -> {a}"])


def test_plain_text_source_keys_work_with_a_hint_and_explain_shows_them(write_configs, moto):
    role, source = h.fresh_profile("plain-role"), h.fresh_profile("plain-src")
    env = sts_env(
        write_configs(
            config=role_config(role, moto, f"source_profile = {source}"),
            credentials=f"[{source}]\naws_access_key_id = {moto.key_id}\naws_secret_access_key = {moto.secret}\n",
        ),
        moto,
    )
    result = tool(["--profile", role], env)
    assert_role_document(result, moto)
    assert f"awskeyring-helper store --profile {source}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert explain_chain(env, role)[0] == {"type": "plain-text-keys", "profile": source}
    text = tool(["explain", "--profile", role], env)
    assert "plain text" in text.stdout and moto.secret not in text.stdout
