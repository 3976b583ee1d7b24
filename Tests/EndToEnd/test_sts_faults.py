"""awskeyring-helper against the fake STS on loopback (fake_sts.FakeSTS, no moto) told to misbehave:
500s, throttling, truncated XML, HTML, hangs, connection resets, a slow drip, AccessDenied.

Each call must either recover (where a retry should) or fail cleanly within the time bound: non-zero
exit, nothing on stdout, a message on stderr without secrets, and the stored keys untouched. The fake
checks the signature of every request and records it, so the tests also check what was sent: the number
of attempts, the form body and a SigV4 signature recomputed with botocore from the known stored secret.
"""

from __future__ import annotations

import calendar
import re
import time
import urllib.parse

import pytest

import e2e_helpers as h
import fake_sts
from e2e_helpers import assert_clean_failure, assert_keys, credential_document, env_with, store_from_env, tool

ROLE_ARN = "arn:aws:iam::123456789012:role/dev"
REGION = "eu-west-2"
# The tool's bound on one call is 15 s; allow for process start-up and a loaded machine.
BOUND = 20


@pytest.fixture
def sts():
    with fake_sts.running(region=REGION, roles_need_mfa=False) as server:
        yield server


class Setup:
    def __init__(self, env, source, role, key_id, secret, sts):
        self.env, self.source, self.role = env, source, role
        self.key_id, self.secret, self.sts = key_id, secret, sts

    def call(self, *extra, env=None, timeout=40):
        start = time.monotonic()
        result = tool(["--profile", self.role, *extra], env or self.env, timeout=timeout)
        return result, time.monotonic() - start

    def assert_keys_intact(self):
        assert_keys(self.env, self.source, self.key_id, self.secret)

    def assert_failed_cleanly(self, result, **mentions):
        """The contract's failure (exit != 0, empty stdout, a message, no trace), no secret in the
        message (the stored one, or any the fake handed out), and the stored keys as they were."""
        assert_clean_failure(result, **mentions)
        self.assert_no_issued_secret(result.stderr)
        self.assert_keys_intact()

    def assert_no_issued_secret(self, text):
        for creds in self.sts.issued:
            for secret in (creds.secret, creds.token, creds.token[:40]):
                assert secret not in text, f"a session secret appears in stderr:\n{text}"
        for variant in h.secret_variants(self.secret):
            assert variant not in text


@pytest.fixture
def setup(env, write_configs, sts):
    """A role profile (role_arn + source_profile) whose source keys are in the keyring, with STS at
    the fake (AWS_ENDPOINT_URL_STS) and region eu-west-2."""

    def make(extra_role_lines="", extra_env=None):
        source, role = h.fresh_profile("src"), h.fresh_profile("role")
        config = (
            f"[profile {source}]\nregion = {REGION}\n\n"
            f"[profile {role}]\nrole_arn = {ROLE_ARN}\nsource_profile = {source}\nregion = {REGION}\n"
            f"{extra_role_lines}"
        )
        e = env_with(write_configs(config=config, name=role), AWS_ENDPOINT_URL_STS=sts.url, **(extra_env or {}))
        key_id, secret = h.new_keys()
        r = store_from_env(e, source, key_id, secret)
        assert r.rc == 0, r.describe()
        sts.add_user(key_id, secret)
        return Setup(e, source, role, key_id, secret, sts)

    return make


def assert_role_document(doc, issued, role=ROLE_ARN):
    assert doc == issued.document() and type(doc["Version"]) is int, (doc, issued.document())
    assert issued.kind == "role" and issued.role_arn == role, issued


def assert_signed_by(request, key_id, secret, region=REGION):
    auth = request.header("Authorization")
    assert auth is not None, request.headers
    m = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/(\d{8})/([a-z0-9-]+)/sts/aws4_request, "
        r"SignedHeaders=content-type;host;x-amz-date, Signature=([0-9a-f]{64})",
        auth,
    )
    assert m, f"unexpected Authorization header: {auth}"
    assert m.group(1) == key_id and m.group(3) == region, auth
    amz_date = request.header("X-Amz-Date")
    assert amz_date and amz_date.startswith(m.group(2)), (amz_date, auth)
    signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    assert abs(signed_at - time.time()) < 120, amz_date
    assert auth == fake_sts.expected_authorization(request, key_id, secret, region), (
        "the signature differs from botocore's for the same request and the stored secret"
    )


# ---------------------------------------------------------------------------------------------------


def test_request_shape_signature_and_document(setup, sts):
    s = setup()
    before = int(time.time())
    result, _ = s.call()
    after = int(time.time())
    doc = credential_document(result)
    assert result.stderr == "", result.describe()
    assert len(sts.requests) == 1 and len(sts.issued) == 1
    assert_role_document(doc, sts.issued[0])

    req = sts.requests[0]
    assert req.method == "POST" and req.path == "/"
    assert req.header("Host") == f"127.0.0.1:{sts.port}"
    assert req.header("Content-Type").startswith("application/x-www-form-urlencoded")
    assert req.header("X-Amz-Security-Token") is None, "long-lived keys carry no session token"
    body = req.body.decode()
    assert body.startswith("Action=AssumeRole&Version=2011-06-15&"), body
    assert "RoleArn=" + urllib.parse.quote(ROLE_ARN, safe="") in body.split("&"), body
    assert req.param("Action") == "AssumeRole" and req.param("Version") == "2011-06-15"
    assert req.param("RoleArn") == ROLE_ARN
    session = req.param("RoleSessionName")
    m = re.fullmatch(r"awskeyring-helper-(\d+)", session or "")
    assert m and before - 5 <= int(m.group(1)) <= after + 5, session
    assert req.param("DurationSeconds") in (None, "3600")
    assert req.param("ExternalId") is None

    # The signature is the one botocore computes with the stored secret, and not with another one.
    assert_signed_by(req, s.key_id, s.secret)
    wrong = fake_sts.expected_authorization(req, s.key_id, h.new_secret(register=False), REGION)
    assert wrong != req.header("Authorization")
    wrong_region = fake_sts.expected_authorization(req, s.key_id, s.secret, "us-east-1")
    assert wrong_region != req.header("Authorization")
    s.assert_keys_intact()


def test_form_parameters_are_url_encoded(setup, sts):
    s = setup("external_id = a b&c=d/é+\nrole_session_name = sess.name@x=y,z\nduration_seconds = 1800\n")
    result, _ = s.call()
    credential_document(result)
    req = sts.requests[0]
    assert req.param("ExternalId") == "a b&c=d/é+"
    assert req.param("RoleSessionName") == "sess.name@x=y,z"
    assert req.param("DurationSeconds") == "1800"
    fields = req.body.decode().split("&")
    assert "ExternalId=a%20b%26c%3Dd%2F%C3%A9%2B" in fields, fields
    assert_signed_by(req, s.key_id, s.secret)


def test_role_chain_signs_each_step_with_the_previous_session(setup, sts):
    """source keys -> role dev -> role top: the second AssumeRole is signed with the first step's
    session (key id, secret and X-Amz-Security-Token) and asks for no more than an hour."""
    top_arn = "arn:aws:iam::123456789012:role/top"
    s = setup()
    top = h.fresh_profile("top")
    with open(s.env["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile {top}]\nrole_arn = {top_arn}\nsource_profile = {s.role}\nduration_seconds = 7200\n"
                f"region = {REGION}\n")
    result = tool(["--profile", top], s.env)
    doc = credential_document(result)
    assert [r.param("RoleArn") for r in sts.requests] == [ROLE_ARN, top_arn]
    first, second = sts.requests
    step1 = sts.issued[0]
    assert_role_document(doc, sts.issued[1], top_arn)

    assert first.header("X-Amz-Security-Token") is None
    assert_signed_by(first, s.key_id, s.secret)
    assert second.header("X-Amz-Security-Token") == step1.token
    assert second.header("Authorization").startswith(
        f"AWS4-HMAC-SHA256 Credential={step1.access_key_id}/"), second.header("Authorization")
    assert second.header("Authorization") == fake_sts.expected_authorization(
        second, step1.access_key_id, step1.secret, REGION, session_token=step1.token)
    assert second.param("DurationSeconds") == "3600", "role chaining is limited to one hour"
    s.assert_keys_intact()


@pytest.mark.parametrize("lifetime, cached", [(14 * 60, False), (20 * 60, True)])
def test_cached_session_is_reused_only_with_more_than_15_minutes_left(setup, sts, lifetime, cached):
    s = setup()
    sts.default = fake_sts.ok_expiring_in(lifetime)
    first = credential_document(s.call()[0])
    assert len(sts.requests) == 1
    second = credential_document(s.call()[0])
    if cached:
        assert second == first and len(sts.requests) == 1
    else:
        assert second["AccessKeyId"] == sts.issued[1].access_key_id != first["AccessKeyId"]
        assert len(sts.requests) == 2
    s.assert_keys_intact()


def test_500_twice_then_success(setup, sts):
    s = setup()
    sts.script(fake_sts.FAIL_500, fake_sts.FAIL_500)
    result, elapsed = s.call()
    doc = credential_document(result)
    assert len(sts.requests) == 3, [r.path for r in sts.requests]
    assert_role_document(doc, sts.issued[-1])
    assert elapsed < BOUND
    for req in sts.requests:  # every attempt is a complete, validly signed request
        assert req.param("RoleArn") == ROLE_ARN
        assert_signed_by(req, s.key_id, s.secret)
    s.assert_keys_intact()


def test_500_always_fails_after_three_attempts(setup, sts):
    s = setup()
    sts.default = fake_sts.FAIL_500
    result, elapsed = s.call()
    s.assert_failed_cleanly(result, mentions=["AssumeRole", ROLE_ARN, "500"])
    assert result.stderr.startswith(f"awskeyring-helper: AssumeRole {ROLE_ARN} failed"), result.describe()
    assert len(sts.requests) == 3
    assert elapsed < BOUND


@pytest.mark.parametrize("fault", ["throttle", "reset"])
def test_one_passing_fault_then_success(setup, sts, fault):
    """A throttling answer, or a connection reset, once: the second attempt gets the credentials."""
    s = setup()
    sts.script(fake_sts.THROTTLE if fault == "throttle" else fake_sts.RESET)
    result, elapsed = s.call()
    doc = credential_document(result)
    assert len(sts.requests) == 2
    assert_role_document(doc, sts.issued[-1])
    assert elapsed < BOUND
    s.assert_keys_intact()


def test_throttle_always_reports_the_service_error(setup, sts):
    s = setup()
    sts.default = fake_sts.THROTTLE
    result, elapsed = s.call()
    s.assert_failed_cleanly(result, mentions=[f"AssumeRole {ROLE_ARN} failed", "Throttling", "Rate exceeded"])
    assert len(sts.requests) == 3
    assert elapsed < BOUND


@pytest.mark.parametrize(
    "where, attempts",
    [("AWS_MAX_ATTEMPTS", 1), ("max_attempts", 1), ("max_attempts", 2), ("AWS_MAX_ATTEMPTS", 2)],
)
def test_max_attempts(setup, sts, where, attempts):
    if where == "AWS_MAX_ATTEMPTS":
        # The environment wins over the profile.
        s = setup("max_attempts = 5\n", extra_env={"AWS_MAX_ATTEMPTS": str(attempts)})
    else:
        s = setup(f"max_attempts = {attempts}\n")
    sts.default = fake_sts.FAIL_500
    result, elapsed = s.call()
    s.assert_failed_cleanly(result, mentions=["AssumeRole", "500"])
    assert len(sts.requests) == attempts
    assert elapsed < BOUND


@pytest.mark.parametrize("line", ["max_attempts = 0", "max_attempts = many", "retry_mode = sometimes"])
def test_bad_retry_settings_fail_before_any_request(setup, sts, line):
    s = setup(line + "\n")
    result, _ = s.call()
    s.assert_failed_cleanly(result, mentions=[line.split(" = ")[0], line.split(" = ")[1]])
    assert sts.requests == []


def test_access_denied_is_not_retried_and_reads_clearly(setup, sts):
    s = setup()
    sts.default = fake_sts.ACCESS_DENIED
    result, elapsed = s.call()
    s.assert_failed_cleanly(result)
    assert result.stderr.strip() == (
        f"awskeyring-helper: AssumeRole {ROLE_ARN} failed: AccessDenied: {fake_sts.ACCESS_DENIED_MESSAGE}"
    ), result.describe()
    assert len(sts.requests) == 1
    assert elapsed < h.well_under(h.STS_CALL_LIMIT), "it waited as for a retry"


@pytest.mark.parametrize("answer", ["truncated", "html"])
def test_unreadable_200_answers_fail_cleanly(setup, sts, answer):
    s = setup()
    sts.default = fake_sts.TRUNCATED if answer == "truncated" else fake_sts.HTML
    result, elapsed = s.call()
    s.assert_failed_cleanly(result, mentions=[f"AssumeRole {ROLE_ARN} failed"])
    assert 1 <= len(sts.requests) <= 3
    assert elapsed < BOUND
    assert "<" not in result.stderr, "the answer's markup is not the message"


def test_reset_always_fails_after_three_attempts(setup, sts):
    s = setup()
    sts.default = fake_sts.RESET
    result, elapsed = s.call()
    s.assert_failed_cleanly(result, mentions=[f"AssumeRole {ROLE_ARN} failed"],
                            mentions_any=["reset", "connection", "broke"])
    assert len(sts.requests) == 3
    assert elapsed < BOUND


def test_hang_fails_within_the_bound(setup, sts):
    s = setup()
    sts.default = fake_sts.HANG
    result, elapsed = s.call()
    s.assert_failed_cleanly(result, mentions=[f"AssumeRole {ROLE_ARN} failed"], mentions_any=["timed out", "timeout"])
    assert elapsed < BOUND, f"took {elapsed:.1f}s"
    # Each attempt is cut off after about 6 s (plus at most 1 s of backoff before the next one), so
    # more than one attempt fits in the bound.
    assert 2 <= len(sts.requests) <= 3, len(sts.requests)
    gap = sts.requests[1].received_at - sts.requests[0].received_at
    assert 4.5 <= gap <= 8, f"the first attempt was given up after {gap:.1f}s"


def test_drip_fails_within_the_bound(setup, sts):
    s = setup()
    sts.default = fake_sts.drip(0.5)
    result, elapsed = s.call()
    s.assert_failed_cleanly(result, mentions=[f"AssumeRole {ROLE_ARN} failed"], mentions_any=["timed out", "timeout"])
    assert elapsed < BOUND, f"took {elapsed:.1f}s"
    assert 1 <= len(sts.requests) <= 3


def test_connection_refused_fails_cleanly(setup, sts):
    s = setup()
    dead = f"http://127.0.0.1:{h.free_port()}"
    result, elapsed = s.call(env=env_with(s.env, AWS_ENDPOINT_URL_STS=dead))
    s.assert_failed_cleanly(result, mentions=[f"AssumeRole {ROLE_ARN} failed"], mentions_any=["connect"])
    assert elapsed < BOUND
    assert sts.requests == []


def test_the_fake_checks_every_signature_and_stops_with_answers_in_flight():
    """What the tests above rely on the fake for: an answer set by the test does not skip the signature
    check, and a hanging or dripping answer does not hold up the fake's stop."""
    import threading

    import boto3
    import botocore.config
    import botocore.exceptions

    server = fake_sts.FakeSTS(region=REGION)
    key_id, secret = h.new_keys()
    server.add_user(key_id, secret)

    def call(key_secret, outcomes):
        client = boto3.client("sts", endpoint_url=server.url, region_name=REGION, aws_access_key_id=key_id,
                              aws_secret_access_key=key_secret,
                              config=botocore.config.Config(retries={"total_max_attempts": 1}, read_timeout=60))
        try:
            client.get_caller_identity()
            outcomes.append("answered")
        except botocore.exceptions.BotoCoreError as e:  # the connection ended without a whole answer
            outcomes.append(type(e).__name__)
        except botocore.exceptions.ClientError as e:
            outcomes.append(e.response["Error"]["Code"])

    try:
        server.default = fake_sts.ACCESS_DENIED
        outcomes = []
        for key_secret in (secret, h.new_secret(register=False)):
            call(key_secret, outcomes)
        assert outcomes == ["AccessDenied", "AccessDenied"]
        assert [r.caller is not None for r in server.requests] == [True, False]
        assert len(server.rejected) == 1 and "does not match" in server.rejected[0], server.rejected
        assert server.calls == [], "a fault answer is not an STS action"

        server.script(fake_sts.HANG, fake_sts.drip(0.5))
        outcomes = []
        clients = [threading.Thread(target=call, args=(secret, outcomes)) for _ in range(2)]
        for t in clients:
            t.start()
        deadline = time.monotonic() + 20
        while len(server.requests) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.requests) == 4, "the two clients never reached the fake"
    finally:
        started = time.monotonic()
        server.stop()
        stopped = time.monotonic() - started
    assert stopped < 2, f"stopping took {stopped:.1f}s with a hanging and a dripping answer in flight"
    for t in clients:
        t.join(timeout=10)
        assert not t.is_alive(), "a client still waits for the stopped fake"
    assert len(outcomes) == 2 and "answered" not in outcomes, outcomes
    assert server.errors == []
