"""A hostile or broken Secret Service: whatever the program that owns org.freedesktop.secrets answers
(a reply of the wrong type, a huge one, a late one, none, an error, or a disconnect in the middle of a
call), every command ends within its stated bound with a clean error, never a crash or a hang.

The service is fake_secret_service.py on a private bus with nothing else on it.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_success, credential_document, tool

FAKE = Path(__file__).with_name("fake_secret_service.py")
# The sd-bus reader's bound for a call that needs no person, and the profile's mfa_prompt_timeout,
# the bound for a search a provider may hold while it shows a dialog.
CALL_BOUND = 5
DIALOG_BOUND = 2
# What a busy test machine may add to a bound.
SLACK = 4


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    if not Path("/usr/bin/python3").exists():
        pytest.fail("/usr/bin/python3 with python3-gi is needed (scripts/install-deps.sh installs it)")
    s = h.PrivateSession(tmp_path_factory.mktemp("hostile"), with_keyring=False)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def keys():
    return h.new_keys()


@pytest.fixture
def env(session, tmp_path):
    config = tmp_path / "config"
    config.write_text(f"[profile hostile]\nmfa_prompt_timeout = {DIALOG_BOUND}\n")
    return h.env_with(session.env, AWS_CONFIG_FILE=str(config))


@contextlib.contextmanager
def fake_service(session, behaviour: dict, keys):
    access_key_id, secret = keys
    stored = '{"AccessKeyId":"%s","SecretAccessKey":"%s","Version":1}' % (
        access_key_id, secret.replace("/", "\\/"))
    import json

    proc = subprocess.Popen(
        ["/usr/bin/python3", str(FAKE), json.dumps(behaviour), stored],
        env=session.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline().decode().strip()
        if line != "ready":
            proc.kill()
            raise AssertionError(f"the fake Secret Service did not start: {proc.stderr.read().decode()}")
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
        h._wait_for(lambda: not session.name_has_owner("org.freedesktop.secrets"), 10, "the fake to go")


def timed(args, env, bound):
    start = time.monotonic()
    result = tool(args, env, timeout=bound + 30)
    elapsed = time.monotonic() - start
    assert elapsed < bound + SLACK, f"took {elapsed:.1f}s, more than the bound of {bound}s\n" + result.describe()
    return result


def test_a_well_behaved_fake_serves_the_keys(session, env, keys):
    with fake_service(session, {}, keys):
        result = timed(["--profile", "hostile"], env, 1)
    assert_success(result)
    assert credential_document(result)["AccessKeyId"] == keys[0]


SERVED = [
    pytest.param({"SearchItems": "delay:1"}, id="late-search-within-bound"),
    pytest.param({"GetSecrets": "delay:1"}, id="late-secrets-within-bound"),
    pytest.param({"SearchItems": "huge"}, id="huge-search"),
    pytest.param({"GetSecrets": "huge"}, id="huge-secrets"),
    # KWallet lists a new item before its secret is there: read again, not taken for a corrupt item.
    pytest.param({"GetSecrets": "unwritten:3"}, id="secret-not-yet-written"),
]


@pytest.mark.parametrize("behaviour", SERVED)
def test_late_or_huge_answers_still_serve(session, env, keys, behaviour):
    with fake_service(session, behaviour, keys):
        result = timed(["--profile", "hostile"], env, CALL_BOUND)
    assert_success(result)
    assert credential_document(result)["AccessKeyId"] == keys[0]


FAILING = [
    pytest.param({"*": "silent"}, CALL_BOUND, ["did not answer Get within 5 seconds"], id="silent"),
    pytest.param({"SearchItems": "silent"}, DIALOG_BOUND, ["did not answer SearchItems within 2 seconds"],
                 id="silent-search"),
    pytest.param({"OpenSession": "silent"}, DIALOG_BOUND, ["did not answer OpenSession"], id="silent-session"),
    pytest.param({"GetSecrets": "silent"}, CALL_BOUND, ["did not answer GetSecrets within 5 seconds"],
                 id="silent-secrets"),
    pytest.param({"GetSecrets": "delay:9"}, CALL_BOUND, ["did not answer GetSecrets"], id="too-late-secrets"),
    pytest.param({"Get": "wrong-type"}, 1, ["answered Get with a reply of type 'i'"], id="wrong-get"),
    pytest.param({"OpenSession": "wrong-type"}, 1, ["answered OpenSession with a reply of type 'i'"],
                 id="wrong-session"),
    pytest.param({"SearchItems": "wrong-type"}, 1, ["answered SearchItems with a reply of type 'i'"],
                 id="wrong-search"),
    pytest.param({"GetSecrets": "wrong-type"}, 1, ["answered GetSecrets with a reply of type 'i'"],
                 id="wrong-secrets"),
    pytest.param({"SearchItems": "empty", "ReadAlias": "wrong-type"}, 1, ["answered ReadAlias"],
                 id="wrong-alias"),
    pytest.param({"SearchItems": "empty", "ReadAlias": "huge"}, 1, ["answered ReadAlias"], id="huge-alias"),
    pytest.param({"SearchItems": "empty", "Get": "wrong-variant"}, 1, ["Locked property that is not a boolean"],
                 id="wrong-variant"),
    pytest.param({"SearchItems": "disconnect"}, 1, ["no Secret Service"], id="disconnect-search"),
    pytest.param({"GetSecrets": "disconnect"}, 1, ["no Secret Service"], id="disconnect-secrets"),
    pytest.param({"Get": "disconnect"}, 1, ["no Secret Service"], id="disconnect-first-call"),
    pytest.param({"SearchItems": "error:org.example.Weird"}, 1, ["the fake service says no"], id="odd-error"),
]


@pytest.mark.parametrize("behaviour,bound,mentions", FAILING)
def test_a_broken_service_gets_a_clean_error_within_the_bound(session, env, keys, behaviour, bound, mentions):
    with fake_service(session, behaviour, keys):
        result = timed(["--profile", "hostile"], env, bound)
    assert_clean_failure(result, mentions=mentions)
    assert result.rc == 1, result.describe()
    assert result.stderr.startswith("awskeyring-helper: "), result.describe()
    assert keys[1] not in result.stderr


@pytest.mark.parametrize("args", [["list"], ["doctor"], ["unlock"], ["lock"], ["remove", "--profile", "hostile"]])
def test_commands_give_up_on_a_silent_service(session, env, keys, args):
    with fake_service(session, {"*": "silent"}, keys):
        result = timed(args, env, CALL_BOUND)
    assert result.rc != 0, result.describe()
    assert "did not answer" in result.stdout + result.stderr, result.describe()


def test_unlock_ends_when_the_collection_is_unlocked_another_way(session, env, keys):
    # The provider's prompt never completes, but a person unlocks the keyring in the provider's own
    # window: unlock sees the collection's Locked property change instead of waiting out its bound.
    with fake_service(session, {"Unlock": "prompt", "Get": "locked:3"}, keys):
        result = timed(["unlock"], env, 3)
    assert_success(result)
    assert "Unlocked the keyring." in result.stderr, result.describe()
