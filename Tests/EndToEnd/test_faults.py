"""Fault injection: a misbehaving STS (the cases test_sts_faults.py does not cover), a locked keyring and
a corrupt keyring item, hostile config files, a misbehaving mfa_process, and the helper killed with
SIGKILL in the middle of `store`, of a cache refresh and of `rotate`.

Every case ends within a stated bound with either a correct recovery or the contract's failure (non-zero
exit, nothing on stdout, a message on stderr that says what to do and holds no secret), and afterwards
the stored keys are exactly what they were (or, for the kill cases, exactly one of the pairs that was
being written, never a mix and never missing).
"""

from __future__ import annotations

import fcntl
import http.client
import http.server
import json
import os
import random
import shlex
import signal
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_keys, credential_document, env_with, store_from_env, tool
from fake_sts import (  # noqa: F401 (fake_sts is a fixture)
    ACCESS_DENIED,
    ACCESS_DENIED_MESSAGE,
    OK,
    SERIAL,
    World,
    decide,
    fake_sts,
    ok,
    role_arn,
    running,
    status,
)

ROLE_ARN = "arn:aws:iam::123456789012:role/faults"
REGION = "eu-west-2"
# The tool bounds one STS call at 15 s; allow for start-up on a loaded machine.
STS_BOUND = h.STS_CALL_LIMIT + 5
# Anything that needs no network, no keyring prompt and no lock: well under the shortest limit it could
# otherwise be waiting for (e2e_helpers.well_under).
LOCAL_BOUND = h.well_under(h.STS_CALL_LIMIT)
# mfa_process's default bound when the profile sets none.
MFA_PROCESS_LIMIT = 120
LOCKED = "the keyring is locked"


def timed_exit(args, env, timeout=60):
    """Like `timed`, but the time is until the helper itself exits, not until every process that
    inherited its stderr has closed it (a command's background process may hold it for a while);
    those leftovers are killed afterwards."""
    out_path, err_path = (Path(os.environ.get("TMPDIR", "/tmp")) / f"faults-{os.getpid()}-{n}" for n in "oe")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen([h.helper_bin(), *args], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
        elapsed = time.monotonic() - start
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the helper's leftovers, if any
        except ProcessLookupError:
            pass
        proc.wait()
    result = h.Result(proc.returncode, out_path.read_text(errors="surrogateescape"),
                      err_path.read_text(errors="surrogateescape"))
    out_path.unlink()
    err_path.unlink()
    assert rc is not None, f"{args!r} did not finish within {timeout}s\n" + result.describe()
    h.assert_no_known_secret(result.stderr, f"the stderr of {args!r}")
    return result, elapsed


def timed(args, env, timeout=60, input=None):
    start = time.monotonic()
    result = tool(args, env, timeout=timeout, input=input)
    return result, time.monotonic() - start


def stored_pair(env, profile):
    """The one item holding P's keys, parsed: (access key id, secret). Fails on zero or several items or
    on an item that is not the tool's JSON."""
    items = h.key_items(env, profile)
    assert len(items) == 1, f"expected exactly one keyring item for {profile}, found {len(items)}"
    payload = json.loads(items[0])
    assert set(payload) == {"Version", "AccessKeyId", "SecretAccessKey"}, sorted(payload)
    return payload["AccessKeyId"], payload["SecretAccessKey"]


# ---------------------------------------------------------------------------------------------------
# 1. STS answers test_sts_faults.py does not cover


@pytest.fixture
def sts():
    with running(region=REGION, roles_need_mfa=False) as server:
        yield server


@pytest.fixture
def role_setup(env, write_configs, sts):
    """A role profile whose source keys are in the keyring, STS at the fake: (env, role, source, keys)."""
    source, role = h.fresh_profile("src"), h.fresh_profile("role")
    config = (
        f"[profile {source}]\nregion = {REGION}\n\n"
        f"[profile {role}]\nrole_arn = {ROLE_ARN}\nsource_profile = {source}\nregion = {REGION}\n"
    )
    e = env_with(write_configs(config=config, name=role), AWS_ENDPOINT_URL_STS=sts.url)
    keys = h.new_keys()
    assert store_from_env(e, source, *keys).rc == 0
    sts.add_user(*keys)
    return e, role, source, keys


def _assert_no_issued_secret(sts, text):
    for creds in sts.issued:
        assert creds.secret not in text and creds.token not in text, text


@pytest.mark.parametrize("content_type", ["application/octet-stream", "text/html; charset=utf-8", "application/json"])
def test_a_wrong_content_type_with_a_valid_body_is_accepted(role_setup, sts, content_type):
    """Decision: the body decides, not the Content-Type header, as in botocore (its query parser reads
    any 200 body as XML). A proxy or an STS-compatible server that labels the XML wrongly still works."""
    e, role, source, keys = role_setup
    sts.default = ok(content_type=content_type)
    result, elapsed = timed(["--profile", role], e, timeout=40)
    doc = credential_document(result)
    assert result.stderr == "", result.describe()
    assert doc["AccessKeyId"] == sts.issued[-1].access_key_id and doc["SessionToken"] == sts.issued[-1].token
    assert len(sts.requests) == 1 and elapsed < STS_BOUND
    assert_keys(e, source, *keys)


def test_an_empty_200_body_fails_cleanly(role_setup, sts):
    e, role, source, keys = role_setup
    sts.default = status(200, "text/xml", b"")
    result, elapsed = timed(["--profile", role], e, timeout=40)
    assert_clean_failure(result, mentions=[f"AssumeRole {ROLE_ARN} failed"])
    assert elapsed < STS_BOUND and 1 <= len(sts.requests) <= 3
    assert_keys(e, source, *keys)


def test_a_200_carrying_an_error_document_reports_the_error(role_setup, sts):
    """Some proxies and STS look-alikes answer 200 with an <ErrorResponse>: it is the service's error,
    reported with its code and message, never credentials."""
    e, role, source, keys = role_setup
    sts.default = status(200, "text/xml", ACCESS_DENIED.body)
    result, elapsed = timed(["--profile", role], e, timeout=40)
    assert_clean_failure(result, mentions=[f"AssumeRole {ROLE_ARN} failed", "AccessDenied",
                                           ACCESS_DENIED_MESSAGE])
    assert "<" not in result.stderr, "the answer's markup is not the message"
    assert elapsed < STS_BOUND
    assert len(sts.requests) == 1, "AccessDenied is not retried"
    _assert_no_issued_secret(sts, result.stderr)
    assert_keys(e, source, *keys)


# ---------------------------------------------------------------------------------------------------
# 2. The keyring: locked, and a corrupt item


@pytest.fixture
def own_keyring(tmp_path):
    """A private keyring session of this test's own (locking and replacing its daemon must not disturb
    the shared one)."""
    session = h.PrivateSession(tmp_path / "own-keyring")
    yield session
    session.stop()


def test_a_locked_keyring_is_reported_at_once_by_every_command(own_keyring, tmp_path):
    """Locked over D-Bus, as a screen locker does: every command that needs a secret fails within a
    few seconds with "the keyring is locked" (no graphical prompt can appear, none is waited for), and
    none mistakes the locked item for "no keys" or for a foreign item. Unlocked again, the keys are
    exactly as they were and nothing new was stored."""
    env = env_with(own_keyring.env, AWS_CONFIG_FILE=tmp_path / "config", AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none")
    stored, other = h.fresh_profile("locked"), h.fresh_profile("locked")
    role = h.fresh_profile("locked-role")
    (tmp_path / "config").write_text(
        f"[profile {role}]\nrole_arn = {ROLE_ARN}\nsource_profile = {stored}\nregion = {REGION}\n")
    keys = {p: h.new_keys() for p in (stored, other)}
    for p, k in keys.items():
        assert store_from_env(env, p, *k).rc == 0
    fresh = h.fresh_profile("never")
    new = {"AWS_ACCESS_KEY_ID": h.new_access_key_id(), "AWS_SECRET_ACCESS_KEY": h.new_secret()}

    own_keyring.lock()
    commands = [
        (["--profile", stored], {}),
        (["credentials", "--profile", other], {}),
        (["--profile", role], {"AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{h.free_port()}"}),
        (["env", "--profile", stored], {}),
        (["exec", "--profile", stored, "--", "true"], {}),
        (["store", "--profile", stored, "--from-env"], new),
        (["store", "--profile", stored, "--from-env", "--force"], new),
        (["store", "--profile", fresh, "--from-env"], new),
        (["list"], {}),
        (["list", "--json"], {}),
        (["remove", "--profile", stored, "--yes"], {}),
    ]
    for args, extra in commands:
        result, elapsed = timed(args, env_with(env, **extra), timeout=30)
        assert_clean_failure(result, mentions=[LOCKED])
        assert elapsed < LOCAL_BOUND, f"{args}: {elapsed:.1f}s"
        assert "no keys are stored" not in result.stderr and "not a key pair" not in result.stderr, result.describe()
    # doctor names the lock too.
    result, _ = timed(["doctor"], env)
    assert result.rc == 1 and "locked" in result.stderr, result.describe()
    assert h.default_collection_locked(env), "the tool must never unlock (or be able to unlock) by itself"

    own_keyring.unlock()
    for p, k in keys.items():
        assert_keys(env, p, *k)
        assert stored_pair(env, p) == k
    h.assert_no_keys(env, fresh)


CORRUPT_SECRETS = {
    "not-json": "hello, world",
    "empty-object": "{}",
    "wrong-members": json.dumps({"Version": 1, "access_key": "AKIAIOSFODNN7EXAMPLE"}),
    "malformed-key": json.dumps({"Version": 1, "AccessKeyId": "not a key id", "SecretAccessKey": "x"}),
    "truncated": '{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAcc',
    "large": "x" * 8000,  # secret-tool stores at most 8 KiB from stdin
}


@pytest.mark.parametrize("kind", sorted(CORRUPT_SECRETS))
def test_a_corrupt_key_item(env, write_configs, kind):
    """An item with the tool's attributes whose secret is not the tool's JSON (written by hand with
    secret-tool, or by another program): the credential call names `store --force`, list still works,
    store without --force keeps it, store --force replaces it, remove deletes it."""
    profile, neighbour = h.fresh_profile("corrupt"), h.fresh_profile("corrupt-ok")
    e = write_configs(config=f"[profile {profile}]\nregion = {REGION}\n", name=profile)
    neighbour_keys = h.new_keys()
    assert store_from_env(e, neighbour, *neighbour_keys).rc == 0
    h.plant_key_item(e, profile, CORRUPT_SECRETS[kind])

    for args in (["--profile", profile], ["env", "--profile", profile], ["exec", "--profile", profile, "--", "true"]):
        result, elapsed = timed(args, e)
        assert_clean_failure(result, mentions=[f"awskeyring-helper store --profile {profile} --force"])
        assert elapsed < LOCAL_BOUND
        assert CORRUPT_SECRETS[kind][:40] not in result.stderr, "the item's secret is not quoted"

    result = tool(["list", "--json"], e)
    assert result.rc == 0, result.describe()
    rows = {row["profile"]: row["accessKeyId"] for row in json.loads(result.stdout)["profiles"]}
    assert rows[profile] is None and rows[neighbour] == neighbour_keys[0]
    result = tool(["list"], e)
    assert result.rc == 0 and f"{profile}  " in result.stdout, result.describe()

    replacement = h.new_keys()
    assert_clean_failure(store_from_env(e, profile, *replacement), mentions=["--force"])
    assert h.key_items(e, profile) == [CORRUPT_SECRETS[kind]], "store without --force must keep the item"

    if kind == "not-json":
        result = tool(["remove", "--profile", profile, "--yes"], e)
        assert result.rc == 0, result.describe()
        assert h.key_items(e, profile) == []
        h.assert_no_keys(e, profile)
    else:
        assert store_from_env(e, profile, *replacement, force=True).rc == 0
        assert stored_pair(e, profile) == replacement
        assert_keys(e, profile, *replacement)
    assert_keys(e, neighbour, *neighbour_keys)


# ---------------------------------------------------------------------------------------------------
# 3. Config files


@pytest.fixture
def keyed_profile(env):
    """A profile with keys in the shared keyring: (profile, keys)."""
    profile = h.fresh_profile("cfg")
    keys = h.new_keys()
    assert store_from_env(env, profile, *keys).rc == 0
    return profile, keys


def test_binary_junk_config_fails_cleanly(env, tmp_path, keyed_profile):
    profile, keys = keyed_profile
    rng = random.Random(7)
    for n, size in enumerate((64, 4096, 1 << 20)):
        config = tmp_path / f"junk-{n}"
        config.write_bytes(bytes(rng.randrange(256) for _ in range(size)))
        e = env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none")
        for args in (["--profile", profile], ["explain", "--profile", profile]):
            result, elapsed = timed(args, e)
            assert_clean_failure(result, mentions=[str(config)])
            assert elapsed < LOCAL_BOUND, f"{size} bytes: {elapsed:.1f}s"
    assert_keys(env, profile, *keys)


def _huge_config(target: str, megabytes: int) -> str:
    """Many profiles with nested blocks and comments, `target` last."""
    block = (
        "[profile filler-{n}]\n# a comment line\nregion = eu-west-{r}\noutput = json\n"
        "s3 =\n  max_concurrent_requests = {n}\n  addressing_style = path\n\n"
    )
    parts, size, n = [], 0, 0
    while size < megabytes * 1024 * 1024:
        text = block.format(n=n, r=n % 3 + 1)
        parts.append(text)
        size += len(text)
        n += 1
    parts.append(f"[profile {target}]\nregion = ap-south-1\n")
    return "".join(parts)


def test_a_huge_valid_config_is_read_within_the_bound(env, tmp_path, keyed_profile):
    profile, keys = keyed_profile
    config = tmp_path / "huge"
    config.write_text(_huge_config(profile, 8))
    e = env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none")
    result, elapsed = timed(["--profile", profile], e)
    assert credential_document(result) == {"Version": 1, "AccessKeyId": keys[0], "SecretAccessKey": keys[1]}
    assert elapsed < 15, f"an 8 MB config took {elapsed:.1f}s"
    result, elapsed = timed(["explain", "--profile", profile, "--json"], e)
    assert result.rc == 0 and json.loads(result.stdout)["settings"] == {"region": "ap-south-1"}, result.describe()
    assert elapsed < 15


def test_a_huge_invalid_config_names_the_line(env, tmp_path, keyed_profile):
    profile, keys = keyed_profile
    config = tmp_path / "huge-invalid"
    text = _huge_config(profile, 6) + "this line has no delimiter\n"
    config.write_text(text)
    view = h.botocore_view(config, tmp_path / "none")
    assert view.error is not None
    line = h.config_error_line_numbers(view.error)[0]
    assert line == text.count("\n")
    e = env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none")
    result, elapsed = timed(["--profile", profile], e)
    assert_clean_failure(result, mentions=[str(config)])
    assert h.mentions_number(result.stderr, line), result.describe()
    assert elapsed < 15


def test_a_config_over_the_size_limit_is_refused(env, tmp_path, keyed_profile):
    profile, keys = keyed_profile
    config = tmp_path / "too-big"
    with open(config, "wb") as f:
        f.write(b"[default]\n")
        chunk = (b"# " + b"x" * 1021 + b"\n") * 1024  # 1 MiB of comment lines
        for _ in range(17):
            f.write(chunk)
    e = env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none")
    result, elapsed = timed(["--profile", profile], e)
    assert_clean_failure(result, mentions=[str(config), "too large"])
    assert elapsed < LOCAL_BOUND
    assert_keys(env, profile, *keys)


@pytest.mark.parametrize("kind", ["fifo", "directory", "dangling-symlink"])
@pytest.mark.parametrize("which", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"])
def test_a_config_path_that_is_not_a_file_does_not_block_the_credential_call(env, tmp_path, keyed_profile, kind,
                                                                               which):
    """Nobody writes into the FIFO: opening it would block forever. Read as missing, as botocore does."""
    profile, keys = keyed_profile
    path = tmp_path / "odd"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to(tmp_path / "nowhere")
    other = "AWS_SHARED_CREDENTIALS_FILE" if which == "AWS_CONFIG_FILE" else "AWS_CONFIG_FILE"
    e = env_with(env, **{which: path, other: tmp_path / "none"})
    for args in (["--profile", profile], ["env", "--profile", profile, "--format", "json"]):
        result, elapsed = timed(args, e, timeout=15)
        assert result.rc == 0, result.describe()
        assert elapsed < LOCAL_BOUND
    assert_keys(e, profile, *keys)


def test_a_long_source_profile_loop_fails_fast_and_names_it(env, write_configs, sts):
    a, b, c = (h.fresh_profile(x) for x in "abc")
    config = "".join(
        f"[profile {p}]\nrole_arn = arn:aws:iam::123456789012:role/{p}\nsource_profile = {q}\n\n"
        for p, q in ((a, b), (b, c), (c, a))
    )
    e = env_with(write_configs(config=config, name=a), AWS_ENDPOINT_URL_STS=sts.url)
    for target in (a, b, c):
        result, elapsed = timed(["--profile", target], e)
        assert_clean_failure(result, mentions=[a, b, c], mentions_any=["loop", "cycle"])
        assert elapsed < LOCAL_BOUND
        # explain shows the profile and the chain up to the loop, then fails with the same message.
        result, elapsed = timed(["explain", "--profile", target], e)
        assert result.rc != 0 and f"Profile '{target}'" in result.stdout and "BROKEN" in result.stdout
        assert all(p in result.stderr for p in (a, b, c)) and "loop" in result.stderr, result.describe()
        assert elapsed < LOCAL_BOUND
    assert sts.requests == []


def test_a_profile_that_is_its_own_source_without_keys(env, write_configs, sts):
    """botocore accepts `source_profile` naming the profile itself only when the profile has keys of
    its own; without any, it is a clear failure that names the profile, with no request sent."""
    p = h.fresh_profile("self")
    e = env_with(
        write_configs(config=f"[profile {p}]\nrole_arn = {ROLE_ARN}\nsource_profile = {p}\n", name=p),
        AWS_ENDPOINT_URL_STS=sts.url,
    )
    result, elapsed = timed(["--profile", p], e)
    assert_clean_failure(result, mentions=[p])
    assert elapsed < LOCAL_BOUND
    assert sts.requests == []


def test_a_profile_that_is_its_own_source_with_stored_keys_assumes_the_role_once(env, write_configs, sts):
    """With keys in the keyring the self-reference means "my own keys assume my role" (botocore's
    rule for static keys on the same profile): one AssumeRole, signed with the stored key."""
    p = h.fresh_profile("self-keys")
    e = env_with(
        write_configs(config=f"[profile {p}]\nrole_arn = {ROLE_ARN}\nsource_profile = {p}\nregion = {REGION}\n",
                      name=p),
        AWS_ENDPOINT_URL_STS=sts.url,
    )
    keys = h.new_keys()
    assert store_from_env(e, p, *keys).rc == 0
    sts.add_user(*keys)
    result, elapsed = timed(["--profile", p], e, timeout=40)
    doc = credential_document(result)
    assert doc["AccessKeyId"] == sts.issued[-1].access_key_id
    assert len(sts.requests) == 1 and sts.requests[0].param("RoleArn") == ROLE_ARN
    assert f"Credential={keys[0]}/" in sts.requests[0].header("Authorization")
    assert elapsed < STS_BOUND
    assert stored_pair(e, p) == keys


def test_a_credential_process_that_calls_the_helper_back_without_the_chain_variable(
        env, write_configs, sts, tmp_path, helper_bin):
    """The loop guard passes AWSKEYRING_HELPER_CHAIN down; a wrapper that cleans the environment
    (env -i, sudo, ssh) drops it. The second helper then wants the lock its own parent holds: it must
    see that and fail at once, and so must every helper above it, instead of waiting minutes."""
    a, b = h.fresh_profile("cb-a"), h.fresh_profile("cb-b")
    wrapper = tmp_path / "clean-env-wrapper"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec env -i PATH=\"$PATH\" HOME=\"$HOME\" XDG_RUNTIME_DIR=\"$XDG_RUNTIME_DIR\" "
        f"DBUS_SESSION_BUS_ADDRESS=\"$DBUS_SESSION_BUS_ADDRESS\" AWS_CONFIG_FILE=\"$AWS_CONFIG_FILE\" "
        f"AWS_SHARED_CREDENTIALS_FILE=\"$AWS_SHARED_CREDENTIALS_FILE\" AWS_ENDPOINT_URL_STS=\"$AWS_ENDPOINT_URL_STS\" "
        f"{shlex.quote(helper_bin)} --profile {a}\n"
    )
    wrapper.chmod(0o700)
    config = (
        f"[profile {a}]\nrole_arn = {ROLE_ARN}\nsource_profile = {b}\nregion = {REGION}\n\n"
        f"[profile {b}]\ncredential_process = {wrapper}\n"
    )
    e = env_with(write_configs(config=config, name=a), AWS_ENDPOINT_URL_STS=sts.url)
    result, elapsed = timed(["--profile", a], e, timeout=240)
    assert_clean_failure(result, mentions=[b, "credential_process loop"])
    assert elapsed < 10, f"the loop took {elapsed:.1f}s to end"
    assert sts.requests == []


# ---------------------------------------------------------------------------------------------------
# 4. mfa_process


@pytest.fixture
def mfa_world(env, fake_sts, tmp_path):  # noqa: F811 (fixture)
    return World(env, fake_sts, tmp_path / "world")


def _mfa_role(world, body):
    role = h.fresh_profile("mfa-role")
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('fault')}\nsource_profile = {world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_process = {world.mfa_script(name=role + '.sh', body=body)}\n"
    )
    return role


@pytest.mark.parametrize(
    "body, words",
    [
        ("head -c 3000 /dev/urandom", ["six-digit"]),
        ("printf '\\000\\001\\002123456'", ["six-digit"]),
        ("yes 123456", ["64 KiB"]),
        ("trap '' PIPE; head -c 20000000 /dev/zero; sleep 100", ["64 KiB"]),
        ("kill -9 $$", []),
    ],
    ids=["binary-junk", "nul-bytes", "endless-output", "huge-output-then-hang", "killed"],
)
def test_mfa_process_misbehaving_fails_fast(mfa_world, body, words):
    role = _mfa_role(mfa_world, body)
    result, elapsed = timed_exit(["--profile", role], mfa_world.env, timeout=150)
    assert_clean_failure(result, mentions=["mfa_process", role, *words],
                         mentions_any=["signal 9", "status 137"] if "kill" in body else ())
    assert elapsed < h.well_under(MFA_PROCESS_LIMIT), f"{elapsed:.1f}s: it waited for the mfa_process bound"
    assert mfa_world.fake.helper_calls() == []
    assert_keys(mfa_world.env, mfa_world.base, mfa_world.access_key_id, mfa_world.secret)


def test_mfa_process_leaving_a_background_process_is_not_waited_for(mfa_world):
    """A command that starts a helper of its own (an agent, `sleep &`) which inherits the output pipe:
    the code is read when the command exits, not when the background process does."""
    role = _mfa_role(mfa_world, f"sleep 60 & echo {mfa_world.fake.valid_code}")
    result, elapsed = timed_exit(["--profile", role], mfa_world.env, timeout=150)
    doc = credential_document(result)
    mfa_world.assert_issued(doc, "role", role_arn("fault"))
    assert elapsed < h.well_under(60), f"{elapsed:.1f}s: it waited for the background process (sleep 60)"


def test_mfa_process_that_hangs_is_stopped_at_its_bound(mfa_world):
    """A command that closes its output and hangs is killed at its bound, the failure says so, and
    nothing was sent to STS. The default bound (120 s, kept on purpose: mfa_process is often
    interactive, and other callers wait up to 180 s for the one that runs it) is reached on a test clock
    in TimeLimitTests; here the profile sets a short one, so the wiring is proven in seconds."""
    role = h.fresh_profile("mfa-role")
    mfa_world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('fault')}\nsource_profile = {mfa_world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_prompt_timeout = 2\n"
        f"mfa_process = {mfa_world.mfa_script(name=role + '.sh', body='exec >&-; sleep 200')}\n"
    )
    result, elapsed = timed_exit(["--profile", role], mfa_world.env, timeout=60)
    assert_clean_failure(result, mentions=["mfa_process", role, "did not finish within 2 s"])
    # Not before the 2 s bound, and long before the command would end (200 s) or the default bound (120 s).
    assert 1.9 < elapsed < 2 + 30, f"{elapsed:.1f}s"
    assert mfa_world.fake.helper_calls() == []


# ---------------------------------------------------------------------------------------------------
# 5. SIGKILL in the middle


def _spawn_tool(args, env):
    return subprocess.Popen([h.helper_bin(), *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    out, err = proc.communicate(timeout=30)
    h.assert_no_known_secret(err.decode(errors="replace"), "the stderr of a killed helper")
    return proc.returncode, out


def test_sigkill_during_store_never_loses_or_mixes_a_pair(env):
    """Stores alternate between two pairs and are killed at random moments: afterwards there is always
    exactly one item, holding exactly one of the two pairs (both halves from the same pair)."""
    profile = h.fresh_profile("kill-store")
    pairs = [h.new_keys(), h.new_keys()]
    assert store_from_env(env, profile, *pairs[0]).rc == 0
    rng = random.Random(20261129)
    outcomes = {"killed": 0, "finished": 0}
    # The kills land at random moments of a store as long as it takes on this machine now (a busy machine
    # makes it several times slower), measured on one that is not killed.
    started = time.monotonic()
    assert store_from_env(env, profile, *pairs[0], force=True).rc == 0
    duration = time.monotonic() - started
    for i in range(40):
        key_id, secret = pairs[(i + 1) % 2]
        proc = _spawn_tool(["store", "--profile", profile, "--from-env", "--force"],
                           env_with(env, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret))
        time.sleep(rng.uniform(0, duration))
        rc, out = _kill(proc)
        outcomes["killed" if rc == -signal.SIGKILL else "finished"] += 1
        assert out == b""
        assert stored_pair(env, profile) in [tuple(p) for p in pairs], f"iteration {i}"
    final = stored_pair(env, profile)
    assert_keys(env, profile, *final)
    assert outcomes["killed"] >= 10, outcomes  # the kills did land in the middle


def _lock_files_free(runtime: Path) -> None:
    """Every lock file of the tool can be taken at once: no holder is left."""
    directory = runtime / "awskeyring-helper"
    for path in directory.glob("*.lock") if directory.exists() else []:
        with open(path, "r+") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError when held
            fcntl.flock(f, fcntl.LOCK_UN)


def test_sigkill_during_a_cache_refresh_leaves_no_stale_lock(role_setup, sts):
    """Killed while STS is slow to answer an AssumeRole: the next call gets credentials at once (no
    waiting for a dead holder), and nothing half-written is handed out. Then random kills across the
    whole refresh, each followed by a good call."""
    e, role, source, keys = role_setup
    release = threading.Event()

    def slow(request):
        release.wait(10)
        return OK

    sts.default = decide(slow)
    proc = _spawn_tool(["--profile", role], e)
    deadline = time.monotonic() + 15
    while not sts.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sts.requests, "the helper never reached STS"
    rc, out = _kill(proc)
    assert rc == -signal.SIGKILL and out == b""
    release.set()
    sts.default = OK
    _lock_files_free(Path(e["XDG_RUNTIME_DIR"]))

    result, elapsed = timed(["--profile", role], e, timeout=40)
    doc = credential_document(result)
    assert result.stderr == "", "no waiting for the killed holder\n" + result.describe()
    assert doc["AccessKeyId"] == sts.issued[-1].access_key_id
    assert elapsed < LOCAL_BOUND

    rng = random.Random(11)
    for i in range(12):
        sts.default = decide(lambda req: (time.sleep(rng.uniform(0, 0.2)), OK)[1])
        proc = _spawn_tool(["--profile", role, "--refresh"], e)
        time.sleep(rng.uniform(0, 0.4))
        _kill(proc)
        _lock_files_free(Path(e["XDG_RUNTIME_DIR"]))
        result, elapsed = timed(["--profile", role], e, timeout=40)
        doc = credential_document(result)
        issued = {c.access_key_id: c for c in sts.issued}
        assert doc["AccessKeyId"] in issued, f"iteration {i}: credentials the fake never issued"
        assert doc["SessionToken"] == issued[doc["AccessKeyId"]].token, f"iteration {i}: a mixed session"
        assert "waiting" not in result.stderr.lower(), result.describe()
        assert elapsed < STS_BOUND
    assert_keys(e, source, *keys)


class HoldingProxy(h.LoopbackServer):
    """A forwarding HTTP proxy in front of moto that can hold a request of a given Action before
    forwarding it or after moto answered it, until released; `arrived[action]` is set when it holds one.
    Headers (Host included) go through unchanged, so moto's signature checks still apply."""

    def __init__(self, upstream: str):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.hold: tuple[str, str] | None = None  # (action, "before" | "after")
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.actions: list[str] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = urllib.parse.parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
                proxy.actions.append(action)
                held = proxy.hold and proxy.hold[0] == action
                if held and proxy.hold[1] == "before":
                    proxy.arrived.set()
                    proxy.release.wait(60)
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if held and proxy.hold[1] == "after":
                    proxy.arrived.set()
                    proxy.release.wait(60)
                try:
                    self.send_response(response.status)
                    for k, v in response.getheaders():
                        if k.lower() not in ("connection", "transfer-encoding", "content-length", "server", "date"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

        self.serve(Handler)

    def arm(self, action, when):
        self.hold, self.actions = (action, when), []
        self.arrived.clear()
        self.release.clear()

    def close(self):
        self.release.set()
        super().close()


@pytest.fixture(scope="module")
def rotation_backend(tmp_path_factory):
    root = tmp_path_factory.mktemp("rotation-moto")
    with h.moto_server(root, unsigned_calls=h.moto_setup_calls()) as server:
        moto = server.create_user("rotator")
        moto.current_keys = (moto.access_key_id, moto.secret_access_key)  # each case rotates it
        proxy = HoldingProxy(moto.url)
        try:
            yield moto, proxy
        finally:
            proxy.close()


def _iam(moto, key_id, secret):
    import boto3

    return boto3.client("iam", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id=key_id,
                        aws_secret_access_key=secret)


def _works(moto, key_id, secret) -> bool:
    import boto3
    import botocore.exceptions

    sts = boto3.client("sts", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id=key_id,
                       aws_secret_access_key=secret)
    try:
        return sts.get_caller_identity()["Arn"] == moto.user_arn
    except botocore.exceptions.ClientError:
        return False


# (the action held, before or after moto handles it, which key is stored afterwards)
ROTATION_STAGES = [
    ("CreateAccessKey", "before", "old"),
    ("CreateAccessKey", "after", "old"),
    ("GetCallerIdentity", "before", "new"),
    ("DeleteAccessKey", "before", "new"),
    ("DeleteAccessKey", "after", "new"),
]


@pytest.mark.parametrize("action, when, expected", ROTATION_STAGES, ids=[f"{a}-{w}" for a, w, _ in ROTATION_STAGES])
def test_sigkill_during_rotate_leaves_a_working_key_stored(env, tmp_path, rotation_backend, action, when, expected):
    """rotate killed at each step: the stored key is a key that works (the old one until the new one is
    stored, the new one from then on), `list` shows it, and where an extra key is left in IAM, the next
    rotate says what to delete; once it is gone, rotate works again."""
    moto, proxy = rotation_backend
    profile = h.fresh_profile("kill-rot")
    e = env_with(env, AWS_CONFIG_FILE=tmp_path / "config", AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none",
                 AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=proxy.url, AWS_PROFILE=None)
    (tmp_path / "config").write_text(f"[profile {profile}]\nregion = us-east-1\n")
    old = moto.current_keys
    assert store_from_env(e, profile, *old).rc == 0

    proxy.arm(action, when)
    proc = _spawn_tool(["rotate", "--profile", profile], e)
    assert proxy.arrived.wait(60), f"rotate never reached {action}; saw {proxy.actions}"
    rc, out = _kill(proc)
    proxy.release.set()
    assert rc == -signal.SIGKILL and out == b""
    proxy.arm(None, None)

    stored = stored_pair(e, profile)
    assert _works(moto, *stored), "the stored key must work"
    if expected == "old":
        assert stored == tuple(old)
    else:
        assert stored != tuple(old)
        h.KNOWN_SECRETS.add(stored[1])
    assert_keys(e, profile, *stored)
    result = tool(["list", "--json"], e)
    assert {r["profile"]: r["accessKeyId"] for r in json.loads(result.stdout)["profiles"]}[profile] == stored[0]
    result = tool(["explain", "--profile", profile], e)
    assert result.rc == 0 and "stored" in result.stdout, result.describe()

    iam = _iam(moto, *stored)
    existing = sorted(k["AccessKeyId"] for k in iam.list_access_keys(UserName="rotator")["AccessKeyMetadata"])
    assert stored[0] in existing
    extra = [k for k in existing if k != stored[0]]
    if extra:
        # Two keys: the next rotate cannot create a third and says which to delete.
        result = tool(["rotate", "--profile", profile], e, timeout=60)
        assert_clean_failure(result, mentions=["delete", stored[0]])
        assert stored_pair(e, profile) == stored
        for key_id in extra:
            iam.delete_access_key(UserName="rotator", AccessKeyId=key_id)
    result = tool(["rotate", "--profile", profile], e, timeout=60)
    assert result.rc == 0, result.describe()
    rotated = stored_pair(e, profile)
    h.KNOWN_SECRETS.add(rotated[1])
    assert rotated != stored and _works(moto, *rotated)
    moto.current_keys = rotated
