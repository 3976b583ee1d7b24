"""The session cache honours the keyring: nothing cached is handed out while the keyring is locked, no
cached session outlives the stored keys it was made from (whichever tool replaced them), and the kernel
tier is an opt-in with possessor-only entries, a 15-minute cap, its own size limits and a clean fallback
on a full key quota.

The fake STS on loopback answers AssumeRole with new credentials each time and keeps every request, so a
test can tell a cached answer from a fresh one and check which stored keys signed it.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import re
import subprocess
import sys
import time

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_success, credential_document, env_with, store_from_env, tool
from fake_sts import expected_authorization, running

REGION = "eu-west-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/cache-e2e"
KERNEL_PREFIX = "awskeyring-helper:"


@pytest.fixture
def own_keyring(tmp_path):
    session = h.PrivateSession(tmp_path / "own-keyring")
    yield session
    session.stop()


@pytest.fixture
def sts():
    with running(region=REGION, roles_need_mfa=False) as fake:
        yield fake


def role_setup(session_env, tmp_path, sts, roles=1):
    """Keys stored for a fresh `base` profile and `roles` role profiles on it; returns (env, base,
    [role profiles], (key id, secret))."""
    base = h.fresh_profile("base")
    names = [h.fresh_profile("role") for _ in range(roles)]
    config = tmp_path / "config"
    config.write_text("".join(
        f"[profile {n}]\nrole_arn = {ROLE_ARN}-{i}\nsource_profile = {base}\nregion = {REGION}\n"
        for i, n in enumerate(names)))
    env = env_with(session_env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none",
                   AWS_ENDPOINT_URL_STS=sts.url, AWSKEYRING_HELPER_KERNEL_CACHE=None)
    keys = h.new_keys()
    assert_success(store_from_env(env, base, *keys))
    sts.add_user(*keys)
    return env, base, names, keys


def call(env, profile):
    return tool(["--profile", profile], env)


def signed_with(request, keys) -> bool:
    return request.header("Authorization") == expected_authorization(request, keys[0], keys[1], REGION)


def unlock_with_password(env, password):
    pty = h.Pty(["unlock"], env)
    try:
        pty.expect_exact("Keyring password: ")
        pty.sendline(password)
        pty.expect_exact("Unlocked the keyring.")
        assert pty.finish() == 0
        assert password not in pty.transcript
    finally:
        pty.close()


# ---------------------------------------------------------------------------------------------------
# The keyring's lock


def test_a_locked_keyring_refuses_cached_credentials_and_unlock_brings_them_back(own_keyring, tmp_path, sts):
    env, _, (role,), keys = role_setup(own_keyring.env, tmp_path, sts)
    first = credential_document(call(env, role))
    assert credential_document(call(env, role)) == first
    assert len(sts.requests) == 1 and signed_with(sts.requests[0], keys)

    own_keyring.lock()
    started = time.monotonic()
    result = call(env, role)
    elapsed = time.monotonic() - started
    assert_clean_failure(result, mentions=["locked", "awskeyring-helper unlock"])
    assert elapsed < h.well_under(h.DBUS_CALL_LIMIT), f"took {elapsed:.2f}s: it waited for the keyring"
    assert len(sts.requests) == 1

    unlock_with_password(env, own_keyring.PASSWORD)
    assert credential_document(call(env, role)) == first
    assert len(sts.requests) == 1


def test_the_helper_answers_cached_calls_alone_and_hands_everything_else_over(env, tmp_path, sts):
    """awskeyring-helper answers a plain call the keyring can answer by itself; everything else is done by
    awskeyring-helper-commands, which it becomes. A copy without that program beside it still answers
    cached calls and stored keys, and says what is missing for anything else."""
    env, base, (role,), keys = role_setup(env, tmp_path, sts)
    first = credential_document(call(env, role))
    assert len(sts.requests) == 1 and signed_with(sts.requests[0], keys)

    alone = tmp_path / "alone"
    alone.mkdir()
    helper = alone / "awskeyring-helper"
    helper.write_bytes(open(h.helper_bin(), "rb").read())
    helper.chmod(0o755)
    assert credential_document(h.run([helper, "--profile", role], env)) == first
    assert credential_document(h.run([helper, "credentials", f"--profile={role}"], env)) == first
    assert credential_document(h.run([helper, "--profile", base], env))["AccessKeyId"] == keys[0]
    assert len(sts.requests) == 1

    for args in (["--profile", role, "--refresh"], ["list"], ["--version"], ["--profile", "no-such-profile"]):
        r = h.run([helper, *args], env)
        assert_clean_failure(r, mentions=["awskeyring-helper-commands is missing", str(alone)])
        assert r.rc == 127, r.describe()
    assert len(sts.requests) == 1

    # With it beside the copy, the same calls work, and a miss is the other program's to answer.
    h.copy_programs(alone)
    assert credential_document(h.run([helper, "--profile", role, "--refresh"], env)) != first
    assert len(sts.requests) == 2
    assert h.run([helper, "list"], env).rc == 0
    assert_clean_failure(h.run([helper, "--profile", "no-such-profile"], env), mentions=["no-such-profile"])


def test_many_calls_at_once_leave_the_keyring_running(own_keyring, tmp_path, sts):
    """gnome-keyring-daemon 42 aborts when the first call of a new connection needs the client record it
    has not made yet. Many helpers at once, each a new connection whose first call was OpenSession, aborted
    it in about a third of runs of 900 calls; each connection now opens with a call that needs no record.
    8 processes at once, 150 rounds each of a cached call and a call that finds nothing: the previous
    round's binary failed this in one run of four, this one in none of five."""
    env, _, (role,), _ = role_setup(own_keyring.env, tmp_path, sts)
    config = tmp_path / "config"
    config.write_text(config.read_text() + "[profile orphan]\nrole_arn = arn:aws:iam::123456789012:role/o\n"
                      "source_profile = orphan-keys\n[profile orphan-keys]\n")
    first = credential_document(call(env, role))
    orphan = tool(["--profile", "orphan"], env)
    assert_clean_failure(orphan, mentions=["orphan-keys"])
    # Each loop prints one line per call: which call, its exit status, its stdout and stderr (base64).
    script = r"""
err=$(mktemp)
for i in $(seq "$2"); do
  for profile in "$1" orphan; do
    out=$("$0" --profile "$profile" 2>"$err"); rc=$?
    printf '%s %s %s %s\n' "$profile" "$rc" "$(printf %s "$out" | base64 -w0)" "$(base64 -w0 <"$err")"
  done
done
rm -f "$err"
"""
    loops, rounds = 8, 150
    processes = [subprocess.Popen(["sh", "-c", script, h.helper_bin(), role, str(rounds)], env=env,
                                  stdout=subprocess.PIPE, text=True) for _ in range(loops)]
    try:
        outputs = [p.communicate(timeout=300)[0] for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in processes] == [0] * loops

    # Every call counted: each cached call printed the same document, each call for the profile without
    # keys failed as the first one did; a loop that stopped early or a call that failed differently is a
    # failure, whether or not the daemon survived it.
    results = {role: [0, []], "orphan": [0, []]}
    for output in outputs:
        for line in output.splitlines():
            profile, rc, out, err = (line.split(" ") + ["", "", ""])[:4]
            out, err = base64.b64decode(out).decode(errors="replace"), base64.b64decode(err).decode(errors="replace")
            if profile == role:
                good = rc == "0" and err == "" and json.loads(out or "null") == first
            else:
                # Callers for the same keys take turns and say so while they wait; otherwise the same failure.
                said = "".join(line for line in err.splitlines(keepends=True)
                               if not line.startswith("Waiting for another awskeyring-helper"))
                good = int(rc) == orphan.rc and out == "" and said == orphan.stderr
            results[profile][0] += 1
            if not good:
                results[profile][1].append(f"exit {rc}, stdout {out[:200]!r}, stderr {err[:300]!r}")
    for profile, (count, failures) in results.items():
        assert count == loops * rounds, f"{count} calls for {profile} reported, expected {loops * rounds}"
        assert not failures, (f"{len(failures)} of {count} calls for {profile} went wrong; first ones:\n"
                              + "\n".join(failures[:5]) + "\n" + own_keyring.log_text())
    assert own_keyring.name_has_owner("org.freedesktop.secrets"), "gnome-keyring-daemon ended:\n" + own_keyring.log_text()
    assert credential_document(call(env, role)) == first
    assert len(sts.requests) == 1


def test_lock_command_locks_the_keyring(own_keyring, tmp_path, sts):
    env, _, (role,), _ = role_setup(own_keyring.env, tmp_path, sts)
    assert_success(call(env, role))
    r = tool(["lock"], env)
    assert_success(r)
    assert r.stdout == "" and "unlock" in r.stderr
    assert h.default_collection_locked(env)
    assert_clean_failure(call(env, role), mentions=["awskeyring-helper unlock"])
    r = tool(["lock"], env)
    assert_success(r)
    assert "already locked" in r.stderr


# ---------------------------------------------------------------------------------------------------
# Sessions are bound to the stored keys


def test_replacing_the_stored_keys_by_any_tool_gets_a_fresh_session_from_the_new_keys(env, tmp_path, sts):
    env, base, (role,), keys = role_setup(env, tmp_path, sts)
    previous = credential_document(call(env, role))

    def replaced_by(swap):
        nonlocal previous
        new_keys = h.new_keys()
        sts.add_user(*new_keys)
        swap(new_keys)
        document = credential_document(call(env, role))
        assert document["AccessKeyId"] != previous["AccessKeyId"], f"{swap.__name__}: the old session came back"
        assert signed_with(sts.requests[-1], new_keys), f"{swap.__name__}: not signed with the new keys"
        previous = document
        # ...and that new session is cached in turn.
        count = len(sts.requests)
        assert credential_document(call(env, role)) == document
        assert len(sts.requests) == count

    def store_force(new):
        assert_success(store_from_env(env, base, *new, force=True))

    def import_force(new):
        credentials = tmp_path / "import-credentials"
        credentials.write_text(f"[{base}]\naws_access_key_id = {new[0]}\naws_secret_access_key = {new[1]}\n")
        assert_success(tool(["import", "--force"], env_with(env, AWS_SHARED_CREDENTIALS_FILE=credentials)))

    def secret_tool_swap(new):
        # Another program rewrites the item: the tool is not told.
        h.plant_key_item(env, base, json.dumps({"Version": 1, "AccessKeyId": new[0], "SecretAccessKey": new[1]}))

    for swap in (store_force, import_force, secret_tool_swap):
        replaced_by(swap)

    assert_success(tool(["remove", "--profile", base, "--yes"], env))
    count = len(sts.requests)
    assert_clean_failure(call(env, role), mentions=[f"store --profile {base}"])
    assert len(sts.requests) == count


# ---------------------------------------------------------------------------------------------------
# The opt-in kernel tier

_libc = ctypes.CDLL(None, use_errno=True)
_SYS_KEYCTL = 250 if os.uname().machine == "x86_64" else 219
_SYS_ADD_KEY = 248 if os.uname().machine == "x86_64" else 217
KEYCTL_JOIN_SESSION_KEYRING = 1
KEY_SPEC_SESSION_KEYRING = -3


def _kernel_keyring_usable() -> bool:
    return _libc.syscall(_SYS_KEYCTL, 0, KEY_SPEC_SESSION_KEYRING, 0) > 0


@pytest.fixture
def session_keyring():
    """A new kernel session keyring for this test process and its children (as a login gets), so the
    tier's entries are this test's alone."""
    if not _kernel_keyring_usable():
        pytest.fail("the kernel key retention service is not usable here")
    serial = _libc.syscall(_SYS_KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, None)
    assert serial > 0, os.strerror(ctypes.get_errno())
    yield serial


def session_keyring_serials() -> set[str]:
    """The keys linked in this process's session keyring, as /proc/keys writes serials."""
    buffer = (ctypes.c_int32 * 4096)()
    length = _libc.syscall(_SYS_KEYCTL, 11, KEY_SPEC_SESSION_KEYRING, buffer, ctypes.sizeof(buffer))  # KEYCTL_READ
    assert length >= 0, os.strerror(ctypes.get_errno())
    return {f"{buffer[i] & 0xffffffff:08x}" for i in range(length // 4)}


def kernel_entries() -> list[dict]:
    """The tool's keys in this process's session keyring, from /proc/keys: serial, timeout, permissions."""
    entries = []
    linked = session_keyring_serials()
    with open("/proc/keys") as f:
        for line in f:
            fields = line.split(None, 8)
            if len(fields) == 9 and fields[0] in linked and fields[7] == "user" \
                    and fields[8].startswith(KERNEL_PREFIX):
                size = int(re.search(r": (\d+)$", fields[8].strip()).group(1))
                entries.append({"serial": fields[0], "timeout": fields[3], "perm": fields[4], "size": size,
                                "description": fields[8].split(":")[0:4]})
    return entries


def seconds(timeout: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    assert timeout != "perm", "a key without a timeout"
    return int(timeout[:-1]) * units[timeout[-1]]


def test_the_kernel_tier_is_off_by_default(session_keyring, env, tmp_path, sts):
    env, _, (role,), _ = role_setup(env, tmp_path, sts)
    assert_success(call(env, role))
    assert_success(call(env, role))
    assert kernel_entries() == []


def test_the_opt_in_kernel_tier_and_its_trade_off(session_keyring, own_keyring, tmp_path, sts):
    env, base, (role,), _ = role_setup(own_keyring.env, tmp_path, sts)
    kernel = env_with(env, AWSKEYRING_HELPER_KERNEL_CACHE="on")
    first = credential_document(call(kernel, role))
    (entry,) = kernel_entries()
    assert entry["perm"] == "3f000000", "possessor-only permissions"
    assert 0 < seconds(entry["timeout"]) <= 15 * 60

    # The documented trade-off: within its timeout the kernel copy does not follow the lock...
    own_keyring.lock()
    assert credential_document(call(kernel, role)) == first
    assert_clean_failure(call(env, role), mentions=["locked"])
    # ...and `lock` drops it.
    assert_success(tool(["lock"], env))
    assert kernel_entries() == []
    assert_clean_failure(call(kernel, role), mentions=["locked"])

    unlock_with_password(env, own_keyring.PASSWORD)
    assert credential_document(call(kernel, role)) == first
    assert len(kernel_entries()) == 1
    assert_success(tool(["clear", "--profile", role], env))
    assert kernel_entries() == []

    assert credential_document(call(kernel, role))["AccessKeyId"] != first["AccessKeyId"]
    assert len(kernel_entries()) == 1
    assert_success(store_from_env(env, base, *h.new_keys(), force=True))
    assert kernel_entries() == []


def test_the_kernel_tier_keeps_within_its_limits(session_keyring, env, tmp_path, sts):
    env, _, roles, _ = role_setup(env, tmp_path, sts, roles=24)
    kernel = env_with(env, AWSKEYRING_HELPER_KERNEL_CACHE="on")
    for role in roles:
        assert_success(call(kernel, role))
    entries = kernel_entries()
    assert 0 < len(entries) <= 16
    assert sum(e["size"] + len(":".join(e["description"])) for e in entries) <= 8192
    # Another program can still add keys.
    serial = _libc.syscall(_SYS_ADD_KEY, b"user", b"another-program", b"x" * 512, 512, KEY_SPEC_SESSION_KEYRING)
    assert serial > 0, os.strerror(ctypes.get_errno())
    # Every role is still answered from the cache (the Secret Service tier), none from STS again.
    count = len(sts.requests)
    for role in roles:
        assert_success(call(kernel, role))
    assert len(sts.requests) == count


@contextlib.contextmanager
def key_quota_nearly_full():
    """Lowers this user's kernel key byte quota to what is in use, as when other programs have filled
    it, and puts it back afterwards."""
    uid = os.getuid()
    limit_file = "/proc/sys/kernel/keys/root_maxbytes" if uid == 0 else None
    if limit_file is None:
        pytest.fail("lowering the key quota needs root (CI runs as root)")
    with open(limit_file) as f:
        saved = f.read().strip()

    def used():
        with open("/proc/key-users") as f:
            return next(int(line.split()[4].split("/")[0]) for line in f if line.split()[0] == f"{uid}:")

    # Keys dropped by earlier tests are freed by the kernel's garbage collector a little later: wait until
    # the figure stands still, so the quota is full now and stays full.
    previous, deadline = used(), time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.3)
        current = used()
        if current == previous:
            break
        previous = current
    # The limit is machine-wide, so it is put back even when this process is killed: a guard in a session
    # of its own waits for this end of a pipe to close, which happens however the test ends, and writes
    # the saved value back (it does so after a normal end too, once more, harmlessly).
    guard = subprocess.Popen([sys.executable, "-c", _RESTORE_WHEN_ORPHANED, limit_file, saved],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
    assert guard.stdout.readline() == b"ready\n", "the guard that restores the key quota did not start"
    try:
        with open(limit_file, "w") as f:
            f.write(str(previous))
        yield
    finally:
        with open(limit_file, "w") as f:
            f.write(saved)
        guard.stdin.close()
        guard.wait(timeout=30)


# Waits until its stdin reaches end of file (the test closed it or ended), then writes argv[2] to argv[1].
_RESTORE_WHEN_ORPHANED = """
import signal, sys
for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(number, signal.SIG_IGN)
print("ready", flush=True)
sys.stdin.buffer.read()
with open(sys.argv[1], "w") as f:
    f.write(sys.argv[2])
"""


def test_the_key_quota_is_restored_when_the_test_is_killed(tmp_path):
    """key_quota_nearly_full's guard, tried on a process that is killed while the quota is lowered."""
    if os.getuid() != 0:
        pytest.fail("lowering the key quota needs root (CI runs as root)")
    limit_file = "/proc/sys/kernel/keys/root_maxbytes"
    with open(limit_file) as f:
        saved = f.read().strip()
    marker = tmp_path / "lowered"
    victim = subprocess.Popen([sys.executable, "-c", f"""
import sys, time
sys.path[:0] = {[os.path.dirname(__file__)]!r}
import test_cache_keyring
with test_cache_keyring.key_quota_nearly_full():
    open({str(marker)!r}, "w").close()
    time.sleep(600)
"""])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert victim.poll() is None, "the process lowering the quota ended early"
            assert time.monotonic() < deadline, "the quota was not lowered within 60 s"
            time.sleep(0.05)
        with open(limit_file) as f:
            assert f.read().strip() != saved, "the quota was not lowered"
    finally:
        victim.kill()
        victim.wait()
    deadline = time.monotonic() + 30
    while True:
        with open(limit_file) as f:
            if f.read().strip() == saved:
                break
        assert time.monotonic() < deadline, "the key quota was not restored after the test was killed"
        time.sleep(0.05)


def test_a_full_key_quota_falls_back_to_the_secret_service(session_keyring, env, tmp_path, sts):
    env, _, (role,), _ = role_setup(env, tmp_path, sts)
    kernel = env_with(env, AWSKEYRING_HELPER_KERNEL_CACHE="on")
    with key_quota_nearly_full():
        first = credential_document(call(kernel, role))
        result = call(kernel, role)
        assert_success(result)
        assert credential_document(result) == first
        assert kernel_entries() == []
    assert len(sts.requests) == 1
