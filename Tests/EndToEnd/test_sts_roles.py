"""Roles end to end: the real AWS CLI (awscli 1.x) calls awskeyring-helper through `credential_process`;
the helper assumes roles in a moto_server of this module's own that checks SigV4 signatures (so only the
right stored keys get through) and enforces trust policies (external ids).

Also: the session cache (proved by taking the endpoint away), settings that must be refused before any
request, `credential_source = Environment`, and which STS endpoint is chosen (a recording fake STS
on loopback for configured endpoints, a recording HTTPS proxy for the default ones).
"""

from __future__ import annotations

import calendar
import contextlib
import json
import re
import shlex
import socket
import sys
import threading
import time

import pytest

import e2e_helpers as h
import fake_sts
from e2e_helpers import (
    assert_clean_failure,
    assert_keys,
    assert_no_keys,
    credential_document,
    env_with,
    store_from_env,
    tool,
)

ACCOUNT = "123456789012"
EXTERNAL_ID = "ext-7f3a-e2e"


def trust_policy(external_id=None):
    """Like scripts/lib/moto_setup.py: any principal (moto matches principals literally and role chaining
    presents assumed-role ARNs), optionally only with the external id."""
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


# Roles to create: name -> external id required by its trust policy (None: none).
ROLES = {"e2e-a": None, "e2e-b": None, "e2e-ext": EXTERNAL_ID}


@pytest.fixture(scope="module")
def moto_iam(tmp_path_factory):
    """moto_server with signature checks after the unsigned requests that create the user, its
    allow-all policy and key, and the roles. Yields an e2e_helpers.MotoUser."""
    roles = {name: trust_policy(external_id) for name, external_id in ROLES.items()}
    root = tmp_path_factory.mktemp("moto-roles")
    with h.moto_server(root, unsigned_calls=h.moto_setup_calls(roles)) as server:
        yield server.create_user("e2e-roles-user", roles)


class Forwarder:
    """A TCP forwarder on loopback in front of another port; `stop()` takes the endpoint away (the port
    then refuses connections) while the URL the tool is configured with stays the same."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._stop = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.connections += 1
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.close()
        for s in self._open:
            with contextlib.suppress(OSError):
                s.close()


# ---------------------------------------------------------------------------------------------------
# Helpers


def aws(env, endpoint, *args):
    return h.run([sys.executable, "-m", "awscli", *args, "--endpoint-url", endpoint, "--output", "json"], env,
                 timeout=60)


def parse_expiration(text: str) -> int:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text), text
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def assert_session_document(doc):
    assert set(doc) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}, doc
    assert doc["Version"] == 1 and type(doc["Version"]) is int
    assert doc["AccessKeyId"].startswith("ASIA"), doc["AccessKeyId"]
    assert doc["SessionToken"]
    return parse_expiration(doc["Expiration"])


@pytest.fixture
def roles_env(env, write_configs, moto_iam, helper_bin):
    """make(config_text) -> env with that config (plus `{helper}` expanded) and STS at moto."""

    def make(config: str, name="cfg", **extra):
        e = write_configs(config=config.replace("{helper}", shlex.quote(helper_bin)), name=name)
        changes = dict(
            AWS_ENDPOINT_URL_STS=moto_iam.url, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
            AWS_SESSION_TOKEN=None, AWS_PROFILE=None, AWS_DEFAULT_REGION=None,
        )
        return env_with(e, **{**changes, **extra})

    return make


def store_moto_keys(env, profile, moto_iam):
    r = store_from_env(env, profile, moto_iam.access_key_id, moto_iam.secret_access_key)
    assert r.rc == 0, r.describe()


def caller_arn(env, moto_iam, cli_profile):
    r = aws(env, moto_iam.url, "sts", "get-caller-identity", "--profile", cli_profile)
    assert r.rc == 0, r.describe()
    return json.loads(r.stdout)["Arn"]


# ---------------------------------------------------------------------------------------------------
# 1. An assumed role through the AWS CLI


def test_cli_assumes_a_role_through_the_helper(roles_env, moto_iam):
    src, role, bad_src, bad_role = (h.fresh_profile(p) for p in ("src", "role", "badsrc", "badrole"))
    e = roles_env(
        f"[profile {src}]\nregion = us-east-1\n\n"
        f"[profile {role}]\nrole_arn = {moto_iam.role_arns['e2e-a']}\nsource_profile = {src}\n\n"
        f"[profile cli-{role}]\ncredential_process = {{helper}} --profile {role}\nregion = us-east-1\n\n"
        f"[profile {bad_role}]\nrole_arn = {moto_iam.role_arns['e2e-a']}\nsource_profile = {bad_src}\n\n"
        f"[profile cli-{bad_role}]\ncredential_process = {{helper}} --profile {bad_role}\nregion = us-east-1\n"
    )
    store_moto_keys(e, src, moto_iam)
    before = int(time.time())
    arn = caller_arn(e, moto_iam, f"cli-{role}")
    m = re.fullmatch(rf"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-a/awskeyring-helper-(\d+)", arn)
    assert m, arn
    assert before - 5 <= int(m.group(1)) <= time.time() + 5
    assert_keys(e, src, moto_iam.access_key_id, moto_iam.secret_access_key)

    # The same key id with a wrong secret: moto's signature check refuses the AssumeRole.
    wrong = h.new_secret()
    r = store_from_env(e, bad_src, moto_iam.access_key_id, wrong)
    assert r.rc == 0, r.describe()
    r = tool(["--profile", bad_role], e)
    assert_clean_failure(r, mentions=[f"AssumeRole {moto_iam.role_arns['e2e-a']} failed", "SignatureDoesNotMatch"])
    r = aws(e, moto_iam.url, "sts", "get-caller-identity", "--profile", f"cli-{bad_role}")
    assert r.rc != 0 and "assumed-role" not in r.stdout, r.describe()
    assert "SignatureDoesNotMatch" in r.stderr, r.describe()
    assert_keys(e, bad_src, moto_iam.access_key_id, wrong)


# 2. A two-step chain, capped at one hour


def test_two_step_role_chain_is_capped_at_one_hour(roles_env, moto_iam):
    src, a, b = h.fresh_profile("src"), h.fresh_profile("a"), h.fresh_profile("b")
    e = roles_env(
        f"[profile {src}]\nregion = us-east-1\n\n"
        f"[profile {a}]\nrole_arn = {moto_iam.role_arns['e2e-a']}\nsource_profile = {src}\n"
        f"duration_seconds = 7200\nrole_session_name = step-a\n\n"
        f"[profile {b}]\nrole_arn = {moto_iam.role_arns['e2e-b']}\nsource_profile = {a}\n"
        f"duration_seconds = 7200\nrole_session_name = step-b\n\n"
        f"[profile cli-{b}]\ncredential_process = {{helper}} --profile {b}\nregion = us-east-1\n\n"
        f"[profile cli-{a}]\ncredential_process = {{helper}} --profile {a}\nregion = us-east-1\n"
    )
    store_moto_keys(e, src, moto_iam)
    assert caller_arn(e, moto_iam, f"cli-{b}") == f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-b/step-b"

    now = time.time()
    doc_b = credential_document(tool(["--profile", b, "--refresh"], e))
    expires_b = assert_session_document(doc_b)
    assert now + 3600 - 120 <= expires_b <= now + 3600 + 120, (
        f"a chained role may last at most an hour: Expiration {doc_b['Expiration']} is "
        f"{expires_b - now:.0f}s away"
    )
    # The first step alone is not chained: it gets the 2 hours it asks for.
    now = time.time()
    doc_a = credential_document(tool(["--profile", a, "--refresh"], e))
    expires_a = assert_session_document(doc_a)
    assert now + 7200 - 120 <= expires_a <= now + 7200 + 120, doc_a["Expiration"]
    assert caller_arn(e, moto_iam, f"cli-{a}") == f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-a/step-a"
    assert_keys(e, src, moto_iam.access_key_id, moto_iam.secret_access_key)


# 3. external_id, role_session_name, duration_seconds


def test_external_id_session_name_and_duration(roles_env, moto_iam):
    src, wrongid, ok = (h.fresh_profile(p) for p in ("src", "wrongid", "ok"))
    session = "e2e-sess-" + h.fresh_profile("n").split("-", 1)[1]
    arn = moto_iam.role_arns["e2e-ext"]
    e = roles_env(
        f"[profile {src}]\nregion = us-east-1\n\n"
        f"[profile {wrongid}]\nrole_arn = {arn}\nsource_profile = {src}\nexternal_id = not-{EXTERNAL_ID}\n\n"
        f"[profile {ok}]\nrole_arn = {arn}\nsource_profile = {src}\nexternal_id = {EXTERNAL_ID}\n"
        f"role_session_name = {session}\nduration_seconds = 5400\n\n"
        f"[profile cli-{ok}]\ncredential_process = {{helper}} --profile {ok}\nregion = us-east-1\n"
    )
    store_moto_keys(e, src, moto_iam)
    # moto enforces the trust policy's sts:ExternalId condition on a wrong id (it lets a missing one
    # through: see test_external_id_is_sent_only_when_configured for that case).
    r = tool(["--profile", wrongid], e)
    assert_clean_failure(r, mentions=[f"AssumeRole {arn} failed", "AccessDenied"])
    assert r.stderr.startswith(f"awskeyring-helper: AssumeRole {arn} failed: AccessDenied"), r.describe()

    now = time.time()
    doc = credential_document(tool(["--profile", ok], e))
    expires = assert_session_document(doc)
    assert now + 5400 - 120 <= expires <= now + 5400 + 120, doc["Expiration"]
    assert caller_arn(e, moto_iam, f"cli-{ok}") == f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-ext/{session}"
    assert_keys(e, src, moto_iam.access_key_id, moto_iam.secret_access_key)


def test_external_id_is_sent_only_when_configured(write_configs, recorder):
    """A role whose trust requires an external id (enforced here by the recorder, which answers
    AccessDenied unless ExternalId is right): fails without external_id, works with it."""
    src, noid, withid = h.fresh_profile("src"), h.fresh_profile("noid"), h.fresh_profile("withid")
    arn = f"arn:aws:iam::{ACCOUNT}:role/ext"
    e = env_with(
        write_configs(config=(
            f"[profile {src}]\n\n"
            f"[profile {noid}]\nrole_arn = {arn}\nsource_profile = {src}\n\n"
            f"[profile {withid}]\nrole_arn = {arn}\nsource_profile = {src}\nexternal_id = {EXTERNAL_ID}\n"
        )),
        AWS_ENDPOINT_URL_STS=recorder.url,
    )
    key_id, secret = h.new_keys()
    assert store_from_env(e, src, key_id, secret).rc == 0
    recorder.add_user(key_id, secret)
    recorder.default = fake_sts.decide(
        lambda req: fake_sts.OK if req.param("ExternalId") == EXTERNAL_ID else fake_sts.ACCESS_DENIED)

    r = tool(["--profile", noid], e)
    assert_clean_failure(r)
    assert r.stderr.strip() == (
        f"awskeyring-helper: AssumeRole {arn} failed: AccessDenied: {fake_sts.ACCESS_DENIED_MESSAGE}"
    ), r.describe()
    assert [req.param("ExternalId") for req in recorder.requests] == [None]

    doc = credential_document(tool(["--profile", withid], e))
    assert doc["AccessKeyId"] == recorder.issued[-1].access_key_id
    assert [req.param("ExternalId") for req in recorder.requests] == [None, EXTERNAL_ID]
    assert_keys(e, src, key_id, secret)


# 4. The session cache


def session_items(env, profile) -> int:
    """How many Secret Service items are cached sessions (kind=session) of `profile`."""
    r = h.run(["secret-tool", "search", "--all", "kind", "session", "profile", profile], env, timeout=15)
    assert r.rc in (0, 1), r.describe()
    return sum(1 for line in (r.stdout + r.stderr).splitlines() if line.startswith("[/"))


def test_second_call_comes_from_the_cache_and_clear_and_refresh(roles_env, moto_iam):
    fwd = Forwarder(int(moto_iam.url.rsplit(":", 1)[1]))
    try:
        src, role, other = h.fresh_profile("src"), h.fresh_profile("role"), h.fresh_profile("other")
        e = roles_env(
            f"[profile {src}]\nregion = us-east-1\n\n"
            f"[profile {role}]\nrole_arn = {moto_iam.role_arns['e2e-a']}\nsource_profile = {src}\n\n"
            f"[profile {other}]\nrole_arn = {moto_iam.role_arns['e2e-b']}\nsource_profile = {src}\n",
            AWS_ENDPOINT_URL_STS=fwd.url,
        )
        store_moto_keys(e, src, moto_iam)
        first = credential_document(tool(["--profile", role], e))
        assert_session_document(first)
        assert fwd.connections >= 1
        other_doc = credential_document(tool(["--profile", other], e))
        used = fwd.connections
        assert session_items(e, role) == 1 and session_items(e, other) == 1

        second = credential_document(tool(["--profile", role], e))
        assert second == first
        assert fwd.connections == used, "the second call must not reach STS"

        refreshed = credential_document(tool(["--profile", role, "--refresh"], e))
        assert fwd.connections > used, "--refresh must call STS"
        assert refreshed["AccessKeyId"] != first["AccessKeyId"]
        assert_session_document(refreshed)

        # STS goes away: the cache still answers, with the refreshed session.
        fwd.stop()
        start = time.monotonic()
        third = credential_document(tool(["--profile", role], e))
        assert third == refreshed  # the refreshed session, so the cache answered (STS would issue new keys)
        assert time.monotonic() - start < h.well_under(h.STS_CALL_LIMIT), "it waited for STS"

        # clear --profile drops this profile's session only.
        r = tool(["clear", "--profile", role], e)
        assert r.rc == 0, r.describe()
        assert session_items(e, role) == 0 and session_items(e, other) == 1
        r = tool(["--profile", role], e)
        assert_clean_failure(r, mentions=[f"AssumeRole {moto_iam.role_arns['e2e-a']} failed"],
                             mentions_any=["connect"])
        assert credential_document(tool(["--profile", other], e)) == other_doc

        # clear with no profile drops them all.
        r = tool(["clear"], e)
        assert r.rc == 0, r.describe()
        assert session_items(e, other) == 0
        r = tool(["--profile", other], e)
        assert_clean_failure(r, mentions=[f"AssumeRole {moto_iam.role_arns['e2e-b']} failed"])
        assert_keys(e, src, moto_iam.access_key_id, moto_iam.secret_access_key)
    finally:
        fwd.stop()


# 5. Settings refused before any request


@pytest.fixture
def recorder():
    with fake_sts.running(roles_need_mfa=False) as server:
        yield server


BAD_CONFIGS = {
    "role_arn-short-account": ("role_arn = arn:aws:iam::12345:role/dev\nsource_profile = {src}\n",
                               ["role_arn", "arn:aws:iam::12345:role/dev"]),
    "role_arn-user": ("role_arn = arn:aws:iam::123456789012:user/dev\nsource_profile = {src}\n",
                      ["role_arn", "arn:aws:iam::123456789012:user/dev"]),
    "role_arn-garbage": ("role_arn = dev-role\nsource_profile = {src}\n", ["role_arn", "dev-role"]),
    "duration-low": ("role_arn = {arn}\nsource_profile = {src}\nduration_seconds = 899\n",
                     ["duration_seconds", "899"]),
    "duration-high": ("role_arn = {arn}\nsource_profile = {src}\nduration_seconds = 43201\n",
                      ["duration_seconds", "43201"]),
    "duration-text": ("role_arn = {arn}\nsource_profile = {src}\nduration_seconds = 1h\n",
                      ["duration_seconds", "1h"]),
    "duration-float": ("role_arn = {arn}\nsource_profile = {src}\nduration_seconds = 3600.5\n",
                       ["duration_seconds", "3600.5"]),
    "no-source": ("role_arn = {arn}\n", ["source_profile", "credential_source"]),
    "both-sources": ("role_arn = {arn}\nsource_profile = {src}\ncredential_source = Environment\n",
                     ["source_profile", "credential_source"]),
    "unknown-credential-source": ("role_arn = {arn}\ncredential_source = Bogus\n", ["credential_source", "Bogus"]),
    "environment-without-keys": ("role_arn = {arn}\ncredential_source = Environment\n",
                                 ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_role_settings_fail_before_any_request(case, write_configs, recorder):
    lines, mentions = BAD_CONFIGS[case]
    src, role = h.fresh_profile("src"), h.fresh_profile("bad")
    arn = f"arn:aws:iam::{ACCOUNT}:role/dev"
    e = env_with(
        write_configs(config=f"[profile {src}]\n\n[profile {role}]\n" + lines.format(src=src, arn=arn)),
        AWS_ENDPOINT_URL_STS=recorder.url,
    )
    key_id, secret = h.new_keys()
    assert store_from_env(e, src, key_id, secret).rc == 0
    r = tool(["--profile", role], e)
    assert_clean_failure(r, mentions=[role, *mentions])
    assert recorder.requests == []
    assert_keys(e, src, key_id, secret)


def test_source_profile_loop_is_named(write_configs, recorder):
    a, b, c = h.fresh_profile("la"), h.fresh_profile("lb"), h.fresh_profile("lc")
    arn = f"arn:aws:iam::{ACCOUNT}:role/dev"
    e = env_with(
        write_configs(config=(
            f"[profile {a}]\nrole_arn = {arn}\nsource_profile = {b}\n\n"
            f"[profile {b}]\nrole_arn = {arn}\nsource_profile = {c}\n\n"
            f"[profile {c}]\nrole_arn = {arn}\nsource_profile = {b}\n"
        )),
        AWS_ENDPOINT_URL_STS=recorder.url,
    )
    keys = {p: h.new_keys() for p in (a, b, c)}
    for p, (key_id, secret) in keys.items():
        assert store_from_env(e, p, key_id, secret).rc == 0
    r = tool(["--profile", a], e)
    assert_clean_failure(r, mentions=["loop", f"{b} -> {c} -> {b}"])
    assert recorder.requests == []
    # Stored keys under those names stay as they were (checked with a config that has no roles).
    plain = write_configs(config="", name="plain")
    for p, (key_id, secret) in keys.items():
        assert_keys(plain, p, key_id, secret)


@pytest.mark.parametrize(
    "endpoint",
    ["http://example.com", "http://10.1.2.3:8080", "http://127.example.com", "http://localhost.example.com",
     "http://[::ffff:10.1.2.3]"],
)
def test_plain_http_to_another_host_is_refused_without_a_request(endpoint, write_configs, recorder):
    """The proxy variables point at the recorder: had the tool sent anything, the recorder would
    have it (and no real network is needed either way)."""
    src, role = h.fresh_profile("src"), h.fresh_profile("http")
    arn = f"arn:aws:iam::{ACCOUNT}:role/dev"
    e = env_with(
        write_configs(config=f"[profile {src}]\n\n[profile {role}]\nrole_arn = {arn}\nsource_profile = {src}\n"),
        AWS_ENDPOINT_URL_STS=endpoint, http_proxy=recorder.url, HTTP_PROXY=recorder.url, ALL_PROXY=recorder.url,
        all_proxy=recorder.url,
    )
    key_id, secret = h.new_keys()
    assert store_from_env(e, src, key_id, secret).rc == 0
    start = time.monotonic()
    r = tool(["--profile", role], e)
    elapsed = time.monotonic() - start
    host = endpoint.split("//", 1)[1].split(":8080")[0]
    assert recorder.requests == [] and recorder.connections == 0, (
        "a signed request went out over plain http to a host that is not loopback: "
        + repr([(x.method, x.path, x.header("Authorization")) for x in recorder.requests])
    )
    assert_clean_failure(r, mentions=["http", host.strip("[]")])
    assert elapsed < h.well_under(h.STS_CALL_LIMIT), f"took {elapsed:.1f}s: refusing needs no network"
    assert_keys(e, src, key_id, secret)


@pytest.mark.parametrize("host, url_host", [("127.0.0.2", "127.0.0.2"), ("::1", "[::1]"),
                                            ("127.0.0.1", "localhost")])
def test_plain_http_to_loopback_is_allowed(host, url_host, write_configs):
    src, role = h.fresh_profile("src"), h.fresh_profile("loop")
    arn = f"arn:aws:iam::{ACCOUNT}:role/dev"
    with fake_sts.running(host=host, roles_need_mfa=False) as server:
        e = env_with(
            write_configs(config=f"[profile {src}]\n\n[profile {role}]\nrole_arn = {arn}\nsource_profile = {src}\n"),
            AWS_ENDPOINT_URL_STS=f"http://{url_host}:{server.port}",
        )
        key_id, secret = h.new_keys()
        assert store_from_env(e, src, key_id, secret).rc == 0
        server.add_user(key_id, secret)
        doc = credential_document(tool(["--profile", role], e))
        assert doc["AccessKeyId"] == server.issued[-1].access_key_id
        assert [r.header("Host") for r in server.requests] == [f"{url_host}:{server.port}"]
        # No region configured: signed for us-east-1.
        req = server.requests[0]
        assert req.header("Authorization") == fake_sts.expected_authorization(req, key_id, secret, "us-east-1")


def test_missing_source_keys_name_the_store_command(write_configs, recorder):
    src, mid, role = h.fresh_profile("nokeys"), h.fresh_profile("mid"), h.fresh_profile("role")
    arn = f"arn:aws:iam::{ACCOUNT}:role/dev"
    e = env_with(
        write_configs(config=(
            f"[profile {src}]\nregion = us-east-1\n\n"
            f"[profile {mid}]\nrole_arn = {arn}\nsource_profile = {src}\n\n"
            f"[profile {role}]\nrole_arn = {arn}\nsource_profile = {mid}\n"
        )),
        AWS_ENDPOINT_URL_STS=recorder.url,
    )
    r = tool(["--profile", role], e)
    assert_clean_failure(r, mentions=[f"awskeyring-helper store --profile {src}"])
    assert recorder.requests == []
    assert_no_keys(e, src)


# 6. credential_source = Environment


def test_credential_source_environment(roles_env, moto_iam):
    role = h.fresh_profile("envrole")
    e = roles_env(
        f"[profile {role}]\nrole_arn = {moto_iam.role_arns['e2e-b']}\ncredential_source = Environment\n"
        f"role_session_name = from-env\n\n"
        f"[profile cli-{role}]\ncredential_process = {{helper}} --profile {role}\nregion = us-east-1\n"
    )
    with_keys = env_with(e, AWS_ACCESS_KEY_ID=moto_iam.access_key_id,
                         AWS_SECRET_ACCESS_KEY=moto_iam.secret_access_key)
    # The CLI is asked for the profile explicitly, so its own environment keys are not what it uses:
    # the assumed-role ARN proves the helper assumed the role with the keys from its environment.
    assert caller_arn(with_keys, moto_iam, f"cli-{role}") == f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-b/from-env"
    doc = credential_document(tool(["--profile", role, "--refresh"], with_keys))
    assert_session_document(doc)
    assert doc["AccessKeyId"] != moto_iam.access_key_id

    # The helper signs with the secret from its environment: a wrong one is refused by moto.
    wrong = env_with(e, AWS_ACCESS_KEY_ID=moto_iam.access_key_id, AWS_SECRET_ACCESS_KEY=h.new_secret())
    r = tool(["--profile", role, "--refresh"], wrong)
    assert_clean_failure(r, mentions=[f"AssumeRole {moto_iam.role_arns['e2e-b']} failed", "SignatureDoesNotMatch"])
    # Another key id is another source (no cached session): moto does not know it.
    other_id, other_secret = h.new_keys()
    r = tool(["--profile", role], env_with(e, AWS_ACCESS_KEY_ID=other_id, AWS_SECRET_ACCESS_KEY=other_secret))
    assert_clean_failure(r, mentions=[f"AssumeRole {moto_iam.role_arns['e2e-b']} failed"])
    # No keys in the environment at all: a clear error, no cached answer either.
    r = tool(["--profile", role], e)
    assert_clean_failure(r, mentions=["credential_source", "AWS_ACCESS_KEY_ID"])


# 7. Endpoint selection


def test_configured_endpoint_precedence(write_configs, recorder):
    src, role, role2 = h.fresh_profile("src"), h.fresh_profile("ep"), h.fresh_profile("ep2")
    arn = f"arn:aws:iam::{ACCOUNT}:role/dev"
    p = recorder.port
    svc, svc2 = h.fresh_profile("svc"), h.fresh_profile("svc2")
    e = env_with(
        write_configs(config=(
            f"[profile {src}]\nregion = us-east-1\n\n"
            f"[profile {role}]\nrole_arn = {arn}\nsource_profile = {src}\nregion = eu-west-3\n"
            f"services = {svc}\nendpoint_url = http://127.0.0.1:{p}/profile-endpoint\n\n"
            f"[profile {role2}]\nrole_arn = {arn}\nsource_profile = {src}\nregion = eu-west-3\n"
            f"services = {svc2}\nendpoint_url = http://127.0.0.1:{p}/profile-endpoint\n\n"
            f"[services {svc}]\nsts =\n  endpoint_url = http://127.0.0.1:{p}/services-endpoint\n"
            f"s3 =\n  endpoint_url = http://127.0.0.1:{p}/not-sts\n\n"
            f"[services {svc2}]\ns3 =\n  endpoint_url = http://127.0.0.1:{p}/not-sts\n"
        )),
        AWS_ENDPOINT_URL_STS=f"http://localhost:{p}/env-sts",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{p}/env-all",
    )
    key_id, secret = h.new_keys()
    assert store_from_env(e, src, key_id, secret).rc == 0
    recorder.add_user(key_id, secret)
    recorder.region = "eu-west-3"

    steps = [
        (role, e, f"localhost:{p}", "/env-sts"),
        (role, env_with(e, AWS_ENDPOINT_URL_STS=None), f"127.0.0.1:{p}", "/env-all"),
        (role, env_with(e, AWS_ENDPOINT_URL_STS=None, AWS_ENDPOINT_URL=None), f"127.0.0.1:{p}", "/services-endpoint"),
        # A services section without an sts block leaves the profile's endpoint_url in charge.
        (role2, env_with(e, AWS_ENDPOINT_URL_STS=None, AWS_ENDPOINT_URL=None), f"127.0.0.1:{p}", "/profile-endpoint"),
    ]
    for profile, step_env, host, path in steps:
        recorder.reset()
        doc = credential_document(tool(["--profile", profile, "--refresh"], step_env))
        assert doc["AccessKeyId"] == recorder.issued[-1].access_key_id
        assert [(r.header("Host"), r.path) for r in recorder.requests] == [(host, path)], (host, path)
        req = recorder.requests[0]
        assert req.param("RoleArn") == arn
        # Signed for the endpoint actually used (its Host and path) in the profile's region.
        assert "/eu-west-3/sts/aws4_request" in req.header("Authorization")
        assert req.header("Authorization") == fake_sts.expected_authorization(req, key_id, secret, "eu-west-3")
    assert_keys(e, src, key_id, secret)


@pytest.mark.parametrize(
    "config_lines, extra_env, target",
    [
        ("region = eu-west-2\n", {}, "sts.eu-west-2.amazonaws.com:443"),
        ("region = us-west-2\nsts_regional_endpoints = legacy\n", {}, "sts.amazonaws.com:443"),
        ("region = eu-south-1\nsts_regional_endpoints = legacy\n", {}, "sts.eu-south-1.amazonaws.com:443"),
        ("region = us-west-2\n", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}, "sts.amazonaws.com:443"),
        ("region = us-west-2\nsts_regional_endpoints = legacy\n", {"AWS_DEFAULT_REGION": "ap-east-1"},
         "sts.ap-east-1.amazonaws.com:443"),
        ("", {}, "sts.amazonaws.com:443"),
        ("region = cn-north-1\n", {}, "sts.cn-north-1.amazonaws.com.cn:443"),
    ],
    ids=["regional", "legacy-listed", "legacy-unlisted", "legacy-env", "env-region", "no-region", "china"],
)
def test_default_endpoint_is_chosen_by_region(config_lines, extra_env, target, write_configs, recorder):
    """No endpoint configured: the HTTPS proxy (the recorder) sees which host the tool tunnels to."""
    src, role = h.fresh_profile("src"), h.fresh_profile("dflt")
    arn = f"arn:aws:iam::{ACCOUNT}:role/dev"
    e = env_with(
        write_configs(config=f"[profile {src}]\n\n[profile {role}]\nrole_arn = {arn}\nsource_profile = {src}\n"
                             + config_lines),
        HTTPS_PROXY=recorder.url, https_proxy=recorder.url, AWS_MAX_ATTEMPTS="1", **extra_env,
    )
    key_id, secret = h.new_keys()
    assert store_from_env(e, src, key_id, secret).rc == 0
    r = tool(["--profile", role], e)
    assert_clean_failure(r, mentions=[f"AssumeRole {arn} failed"])
    assert recorder.connects == [target]
    assert recorder.requests == []
    assert_keys(e, src, key_id, secret)
