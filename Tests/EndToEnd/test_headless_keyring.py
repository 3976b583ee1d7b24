"""A first run on a headless box, as a new user meets it: a fresh HOME, a D-Bus session bus that starts
gnome-keyring by itself when asked (D-Bus activation, as on a server or over SSH), no display and no
keyring started by hand. `unlock` creates the keyring, `lock` and `unlock` work with a typed password
that is never echoed, and after a "reboot" (a new bus and daemon on the same HOME, which loads the
keyring locked) the credential call says the keyring is locked and names `unlock`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_success, credential_document, env_with, store_from_env, tool

PASSWORD = "headless-Pa55word"

class ActivatingSession:
    """A private bus with D-Bus activation on a given HOME; gnome-keyring is started by the bus."""

    def __init__(self, root: Path, name: str):
        self.root = root
        home, runtime = root / "home", root / f"run-{name}"
        for d in (home / ".aws", runtime, root / "data", root / "config"):
            d.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        self.env = h.base_env(home, runtime, root / "data", root / "config")
        conf = root / f"bus-{name}.conf"
        conf.write_text(h.bus_config(runtime / "bus", activation=True))
        self.log = open(root / f"bus-{name}.log", "wb")
        self.bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={conf}", "--nofork", "--nopidfile", "--print-address=1"],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log,
            start_new_session=True)
        address = self.bus.stdout.readline().decode().strip()
        assert address.startswith("unix:"), address
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address
        self.env.pop("DISPLAY", None)
        self.env.pop("WAYLAND_DISPLAY", None)

    def stop(self):
        # The activated daemon is the bus's child; end it with the bus, as a logout does.
        for pid in _pids_with_env("DBUS_SESSION_BUS_ADDRESS", self.env["DBUS_SESSION_BUS_ADDRESS"]):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.bus.pid, signal.SIGTERM)
        self.bus.wait(timeout=10)
        self.log.close()


def _pids_with_env(name: str, value: str) -> list[int]:
    wanted = f"{name}={value}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if wanted in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
    return [pid for pid in pids if pid != os.getpid()]


def _keyring_daemons_of(home: Path) -> list[int]:
    return _pids_with_env("HOME", str(home))


@pytest.fixture
def first_session(tmp_path):
    session = ActivatingSession(tmp_path, "first")
    yield session
    session.stop()


def unlock(env, *answers, expect=("Unlocked the keyring.",)):
    """Runs `unlock` in a pseudo-terminal, answering each (prompt, text) pair; returns the transcript."""
    pty = h.Pty(["unlock"], env, timeout=30)
    try:
        for prompt, text in answers:
            pty.expect_exact(prompt)
            pty.sendline(text)
        for line in expect:
            pty.expect_exact(line)
        status = pty.finish()
        transcript = pty.transcript
    finally:
        pty.close()
    for _, text in answers:
        assert text not in transcript, "a password was echoed"
    return status, transcript


def test_a_first_run_on_a_headless_box_and_a_reboot(first_session, tmp_path):
    env = first_session.env
    profile = h.fresh_profile("headless")
    keys = h.new_keys()

    # No keyring yet: store names unlock, and asks nothing first.
    result = store_from_env(env, profile, *keys)
    assert_clean_failure(result, mentions=["awskeyring-helper unlock"])
    assert "Object does not exist" not in result.stderr
    assert_clean_failure(tool(["--profile", profile], env), mentions_any=["awskeyring-helper unlock", "store"])

    # unlock creates it: a new password twice (a mismatch is asked again), never echoed.
    status, transcript = unlock(
        env,
        ("New keyring password: ", PASSWORD), ("Repeat the password: ", PASSWORD + "x"),
        ("New keyring password: ", PASSWORD), ("Repeat the password: ", PASSWORD),
        expect=("Created the keyring",))
    assert status == 0
    assert "differ" in transcript

    assert_success(store_from_env(env, profile, *keys))
    assert credential_document(tool(["--profile", profile], env))["AccessKeyId"] == keys[0]

    assert_success(tool(["lock"], env))
    started = time.monotonic()
    assert_clean_failure(tool(["--profile", profile], env), mentions=["locked", "awskeyring-helper unlock"])
    assert time.monotonic() - started < h.well_under(h.DBUS_CALL_LIMIT), "it waited for the keyring"

    # A wrong password is refused with a clear message; the right one unlocks.
    status, transcript = unlock(
        env, ("Keyring password: ", "wrong-password"), ("Keyring password: ", PASSWORD))
    assert status == 0
    assert "not the keyring's password" in transcript
    assert credential_document(tool(["--profile", profile], env))["AccessKeyId"] == keys[0]

    # A "reboot": the bus and its keyring daemon end; a new session loads the keyring locked.
    home = Path(env["HOME"])
    first_session.stop()
    deadline = time.monotonic() + 10
    while _keyring_daemons_of(home) and time.monotonic() < deadline:
        time.sleep(0.1)
    second = ActivatingSession(tmp_path, "second")
    try:
        env2 = second.env
        result = tool(["--profile", profile], env2)
        assert_clean_failure(result, mentions=["locked", "awskeyring-helper unlock"])
        assert "no keys" not in result.stderr
        assert_clean_failure(tool(["list"], env2), mentions=["awskeyring-helper unlock"])

        status, _ = unlock(env2, ("Keyring password: ", PASSWORD))
        assert status == 0
        assert credential_document(tool(["--profile", profile], env2))["AccessKeyId"] == keys[0]
    finally:
        second.stop()


def test_unlock_without_a_terminal_says_what_to_do(first_session):
    result = tool(["unlock"], first_session.env)
    assert_clean_failure(result, mentions=["terminal"])


def test_no_secret_service_names_what_to_install(tmp_path):
    session = h.PrivateSession(tmp_path / "nothing", with_keyring=False)
    try:
        result = store_from_env(session.env, h.fresh_profile("none"), *h.new_keys())
        assert_clean_failure(result, mentions=["gnome-keyring"])
        assert_clean_failure(tool(["unlock"], session.env), mentions=["gnome-keyring"])
    finally:
        session.stop()
