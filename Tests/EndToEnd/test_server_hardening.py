"""The long-running parts against other local users and the programs they run: every program of the tool
is non-dumpable with a core limit of 0 (checked as an unprivileged user, where the kernel's checks apply),
programs the tool starts get only descriptors 0-2, the `exec --server` endpoint survives a flood of
half-open connections, and the helper serves until everything the command started has exited.

Real parts: the release binaries, gnome-keyring-daemon on a private bus, moto's STS with SigV4 checking
for the role renewed during a request.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import e2e_helpers as h
from e2e_helpers import env_with, store_from_env
from moto_role import moto_with_role
from test_cache_keyring import session_keyring  # noqa: F401 (a fixture)
from test_hardening_net import _as_nobody, _NobodySession
from test_headless_keyring import ActivatingSession, unlock


def _wait_for(predicate, timeout=30, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _read(path: Path) -> str:
    with contextlib.suppress(FileNotFoundError):
        return path.read_text()
    return ""


def _exe(pid: int) -> str:
    with contextlib.suppress(OSError):
        return os.readlink(f"/proc/{pid}/exe")
    return ""


def _guarded(pid: int) -> tuple[bool, str]:
    """(its /proc files belong to root, which for a process of another user means not dumpable; its
    soft core limit)."""
    limits = Path(f"/proc/{pid}/limits").read_text()
    core = next(line for line in limits.splitlines() if line.startswith("Max core file size")).split()[4]
    return os.stat(f"/proc/{pid}/mem").st_uid == 0, core


# ---------------------------------------------------------------------------------------------------
# Every program guards itself before it reads anything


class _SilentBus:
    """A unix socket that accepts connections and never answers: a program asking the Secret Service
    waits there long enough to be looked at."""

    def __init__(self, folder: Path):
        self.path = folder / "silent-bus"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(self.path))
        self.path.chmod(0o777)
        self.sock.listen(16)
        self.address = f"unix:path={self.path}"

    def close(self):
        self.sock.close()


def _observe_while_waiting(session, argv, env, program: str) -> tuple[bool, str]:
    """Starts `argv` as nobody under `ulimit -c unlimited` and looks at it while it runs `program`."""
    proc = subprocess.Popen(["sh", "-c", 'ulimit -c unlimited && exec "$@"', "sh", *argv], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=_as_nobody, start_new_session=True, cwd=session.root)
    try:
        _wait_for(lambda: _exe(proc.pid).endswith("/" + program) and
                  Path(f"/proc/{proc.pid}/status").read_text().count("State:\tS"), 30,
                  f"{program} waiting for the bus")
        return _guarded(proc.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_every_program_is_not_dumpable_and_has_no_core_limit():
    """As nobody, started with `ulimit -c unlimited`: awskeyring-helper and awskeyring-helper-commands
    while they wait for a Secret Service that never answers, awskeyring-helper-commands again while it
    serves a command (exec --server's new start of itself); the command itself gets the person's core
    limit back."""
    session = _NobodySession()
    silent = _SilentBus(session.root)
    try:
        binary = session.binary
        quiet = env_with(session.env, DBUS_SESSION_BUS_ADDRESS=silent.address, SWIFT_BACKTRACE="enable=no")
        assert _observe_while_waiting(session, [binary, "--profile", "p"], quiet, "awskeyring-helper") == \
            (True, "0")
        assert _observe_while_waiting(session, [binary, "list"], quiet,
                                      "awskeyring-helper-commands") == (True, "0")

        base = h.fresh_profile("guard")
        key_id, secret = h.new_keys()
        store_env = env_with(session.env, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret)
        deadline = time.monotonic() + 20
        while True:  # until the keyring daemon owns its name on the bus
            r = session.run([binary, "store", "--profile", base, "--from-env"], store_env)
            if r.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert r.returncode == 0, r.stderr
        out = session.root / "home" / "child"
        script = f'ulimit -c > {out}.core; echo $$ > {out}.pid; sleep 60'
        errors = open(session.root / "server.err", "wb")
        helper = subprocess.Popen(["sh", "-c", 'ulimit -c unlimited && exec "$@"', "sh", binary, "exec", "--server",
                                   "--profile", base, "--", "sh", "-c", script], env=session.env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                                  preexec_fn=_as_nobody, start_new_session=True, cwd=session.root)
        try:
            child = int(_wait_for(lambda: _read(Path(f"{out}.pid")).strip() or helper.poll() is not None, 30,
                                  "the command"))
            assert helper.poll() is None, _read(session.root / "server.err")
            assert _exe(helper.pid).endswith("/awskeyring-helper-commands")
            assert _guarded(helper.pid) == (True, "0")
            assert _read(Path(f"{out}.core")).strip() == "unlimited"
            assert _guarded(child)[1] == "unlimited"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(helper.pid, signal.SIGKILL)
            helper.wait(timeout=10)
    finally:
        silent.close()
        session.stop()


# ---------------------------------------------------------------------------------------------------
# Programs started by the tool get descriptors 0, 1 and 2 only


@pytest.fixture(scope="module")
def moto_srv(tmp_path_factory):
    yield from moto_with_role(tmp_path_factory.mktemp("moto-hardening"))


def _descriptors(listing: str) -> list[str]:
    return sorted(line.split()[8] for line in listing.splitlines() if line.startswith("l"))


def test_programs_started_during_a_request_get_only_the_standard_descriptors(write_configs, moto_srv, tmp_path):
    """A source profile's credential_process, run by the server while it answers the command's request
    (a 900 s role session is renewed on every request), lists its descriptors: 0, 1 and 2 only, not the
    client's connection nor the listening socket. The command's own descriptors too."""
    listing = tmp_path / "fds"
    script = tmp_path / "keys.py"
    script.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import json, os
        # The directory listing's own descriptor is closed again by the time each is looked at.
        open_now = sorted(fd for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{{fd}}"))
        with open({str(listing)!r}, "a") as f:
            f.write(json.dumps(open_now) + "\\n")
        print(json.dumps({{"Version": 1, "AccessKeyId": {moto_srv.access_key_id!r},
                          "SecretAccessKey": {moto_srv.secret_access_key!r}}}))
        """))
    script.chmod(0o755)
    source, role = h.fresh_profile("fdsrc"), h.fresh_profile("fdrole")
    e = write_configs(config=(
        f"[profile {source}]\ncredential_process = {script}\n\n"
        f"[profile {role}]\nrole_arn = {moto_srv.role_arn}\nsource_profile = {source}\nduration_seconds = 900\n"
        "region = eu-central-1\n"
    ))
    e = env_with(e, AWS_ENDPOINT_URL_STS=moto_srv.url, AWS_PROFILE=None)
    child = textwrap.dedent("""
        import json, os, urllib.request
        own = sorted(os.listdir("/proc/self/fd"))
        request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                                         headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
        with urllib.request.urlopen(request, timeout=30) as response:
            print(json.dumps({"status": response.status, "own": own}))
    """)
    r = h.run([h.helper_bin(), "exec", "--server", "--profile", role, "--", sys.executable, "-c", child], e,
              timeout=90)
    assert r.rc == 0, r.describe()
    out = json.loads(r.stdout)
    assert out["status"] == 200
    # Python's own listing opens one descriptor for the directory it reads.
    assert len(out["own"]) == 4 and out["own"][:3] == ["0", "1", "2"], out
    runs = [json.loads(line) for line in listing.read_text().splitlines()]
    assert len(runs) >= 2, "the credential_process did not run during the request"
    assert runs == [["0", "1", "2"]] * len(runs), runs

def test_exec_gives_the_command_only_the_standard_descriptors(env):
    profile = h.fresh_profile("fdexec")
    key_id, secret = h.new_keys()
    assert store_from_env(env, profile, key_id, secret).rc == 0
    r = h.run([h.helper_bin(), "exec", "--profile", profile, "--", "sh", "-c", "ls -l /proc/$$/fd"], env)
    assert r.rc == 0, r.describe()
    assert _descriptors(r.stdout) == ["0", "1", "2"], r.stdout


# ---------------------------------------------------------------------------------------------------
# The kernel tier only in a session keyring of the calling user


def test_the_kernel_tier_is_not_used_in_another_users_session_keyring(session_keyring, tmp_path):
    """This test process joins a new session keyring (root's); a process of nobody started from it
    possesses it, as after `sudo -u` or `su` without pam_keyinit. `clear` says whether it dropped the
    kernel tier's copies, that is whether it uses the tier: root does, nobody must not."""
    tmp_path.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, 65534, 65534)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "AWSKEYRING_HELPER_KERNEL_CACHE": "on",
           "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus", "XDG_RUNTIME_DIR": str(home),
           "AWS_CONFIG_FILE": str(home / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials")}
    note = "kernel keyring's copies were dropped"
    as_root = h.run([h.helper_bin(), "clear"], env)
    assert as_root.rc != 0 and note in as_root.stderr, as_root.describe()
    as_nobody = h.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", h.helper_bin(),
                       "clear"], env)
    assert as_nobody.rc != 0 and "NOT cleared" in as_nobody.stderr, as_nobody.describe()
    assert note not in as_nobody.stderr, as_nobody.describe()


# ---------------------------------------------------------------------------------------------------
# The keyring password travels encrypted


@pytest.fixture
def activating_session(tmp_path):
    session = ActivatingSession(tmp_path, "monitored")
    yield session
    session.stop()


def test_the_keyring_password_never_crosses_the_bus_in_clear(activating_session, tmp_path):
    """dbus-monitor, as any process of the user could run it, records every message while `unlock`
    creates a keyring and, after `lock`, unlocks it again: the password's bytes appear in none of them,
    while the calls that carried it did go through the monitor."""
    env = activating_session.env
    password = "monitored-" + h.new_secret(register=False)[:16]
    capture = tmp_path / "bus.bin"
    with open(capture, "wb") as out:
        monitor = subprocess.Popen(["dbus-monitor", "--binary", "--address", env["DBUS_SESSION_BUS_ADDRESS"]],
                                   stdout=out, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(1)  # until the monitor is registered
        status, _ = unlock(env, ("New keyring password: ", password), ("Repeat the password: ", password),
                           expect=())
        assert status == 0
        assert h.tool(["lock"], env).rc == 0
        status, _ = unlock(env, ("Keyring password: ", password))
        assert status == 0
        time.sleep(1)
    finally:
        monitor.terminate()
        monitor.wait(timeout=10)
    recorded = capture.read_bytes()
    assert b"CreateWithMasterPassword" in recorded and b"UnlockWithMasterPassword" in recorded
    assert password.encode() not in recorded
    assert b"dh-ietf1024-sha256-aes128-cbc-pkcs7" in recorded


# ---------------------------------------------------------------------------------------------------
# The endpoint against a flood, and what the command leaves running


@pytest.fixture
def stored(env):
    profile = h.fresh_profile("srvflood")
    key_id, secret = h.new_keys()
    assert store_from_env(env, profile, key_id, secret).rc == 0
    return env, profile, key_id


REQUESTS_CHILD = """
    import json, os, sys, time, urllib.request
    url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    url_file, go_file = sys.argv[1], sys.argv[2]
    with open(url_file + ".tmp", "w") as f:
        f.write(url)
    os.rename(url_file + ".tmp", url_file)
    deadline = time.monotonic() + 120
    while not os.path.exists(go_file) and time.monotonic() < deadline:
        time.sleep(0.05)
    results = []
    for _ in range(6):
        start = time.monotonic()
        try:
            request = urllib.request.Request(url, headers={"Authorization": token})
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
                json.loads(response.read())
        except Exception as e:
            status = repr(e)
        results.append({"status": status, "seconds": time.monotonic() - start})
        time.sleep(0.5)
    print(json.dumps(results))
"""


def _flood(port: int, count: int, stop, opened: list) -> None:
    """Keeps up to `count` connections open that sent half a request head, opening new ones for those
    the endpoint closed, until `stop` is set."""
    held: list[socket.socket] = []
    while not stop.is_set():
        held = [s for s in held if s.fileno() >= 0]
        while len(held) < count and not stop.is_set():
            s = socket.socket()
            try:
                s.connect(("127.0.0.1", port))
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ")
                held.append(s)
                opened[0] += 1
            except OSError:
                s.close()
                break
        # A connection the endpoint closed reads as end of file.
        for s in list(held):
            s.setblocking(False)
            try:
                if s.recv(1, socket.MSG_PEEK) == b"":
                    s.close()
            except BlockingIOError:
                pass
            except OSError:
                s.close()
        time.sleep(0.05)
    for s in held:
        s.close()


def test_the_endpoint_answers_the_command_during_a_flood_of_half_open_connections(stored, tmp_path):
    """Another user's 1,100 half-sent requests, renewed as the endpoint closes them, against a helper
    started with a soft limit of 1,024 descriptors: the command's requests are answered within 5 s each,
    and when it exits the helper exits with its status while the flood goes on."""
    import threading

    env, profile, key_id = stored
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    url_file, go_file = tmp_path / "url", tmp_path / "go"
    helper = subprocess.Popen(
        ["sh", "-c", 'ulimit -Sn 1024 && exec "$@"', "sh", h.helper_bin(), "exec", "--server", "--profile", profile,
         "--", sys.executable, "-c", textwrap.dedent(REQUESTS_CHILD), str(url_file), str(go_file)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    stop = threading.Event()
    opened = [0]
    flood = None
    try:
        url = _wait_for(lambda: _read(url_file), 60, "the command's endpoint URL")
        port = int(url.rsplit(":", 1)[1].strip("/"))
        flood = threading.Thread(target=_flood, args=(port, 1100, stop, opened), daemon=True)
        flood.start()
        _wait_for(lambda: opened[0] >= 1100, 60, "1,100 connections")
        go_file.touch()
        out, err = helper.communicate(timeout=120)
    finally:
        stop.set()
        if flood:
            flood.join(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(helper.pid, signal.SIGKILL)
        helper.wait(timeout=10)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert helper.returncode == 0, err.decode()
    results = json.loads(out)
    assert [r["status"] for r in results] == [200] * 6, results
    assert max(r["seconds"] for r in results) < 5, results
    print(f"flood: {opened[0]} connections opened; answers in {[round(r['seconds'], 3) for r in results]} s")


def test_the_endpoint_serves_what_the_command_leaves_running(stored, tmp_path):
    """The command starts a daemon (its own session, detached) and exits at once: the helper keeps the
    port and answers the daemon, and exits with the command's status once the daemon has exited."""
    env, profile, key_id = stored
    result = tmp_path / "daemon.json"
    daemon = textwrap.dedent(f"""
        import json, os, time, urllib.request
        time.sleep(2)
        request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                                         headers={{"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]}})
        with urllib.request.urlopen(request, timeout=30) as response:
            document = json.loads(response.read())
        with open({str(result)!r}, "w") as f:
            json.dump({{"status": response.status, "key": document["AccessKeyId"]}}, f)
    """)
    script = f'setsid {sys.executable} -c {shlex.quote(daemon)} </dev/null >/dev/null 2>&1 & exit 3'
    start = time.monotonic()
    r = h.run([h.helper_bin(), "exec", "--server", "--profile", profile, "--", "sh", "-c", script], env, timeout=90)
    elapsed = time.monotonic() - start
    assert r.rc == 3, r.describe()
    assert json.loads(result.read_text()) == {"status": 200, "key": key_id}
    assert elapsed >= 2


def test_sigterm_ends_the_helper_and_reaches_what_the_command_left_running(stored, tmp_path):
    env, profile, _ = stored
    marker, ready = tmp_path / "term", tmp_path / "ready"
    daemon = f'trap "echo term > {marker}; exit 0" TERM; touch {ready}; while :; do sleep 0.1; done'
    script = f'setsid sh -c {shlex.quote(daemon)} </dev/null >/dev/null 2>&1 & exit 5'
    helper = subprocess.Popen([h.helper_bin(), "exec", "--server", "--profile", profile, "--", "sh", "-c", script],
                              env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        _wait_for(lambda: ready.exists(), 30, "the daemon")
        time.sleep(0.5)
        assert helper.poll() is None, "the helper left before what the command started"
        helper.send_signal(signal.SIGTERM)
        assert helper.wait(timeout=20) == 5
        _wait_for(lambda: _read(marker).strip() == "term", 10, "the daemon to get SIGTERM")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(helper.pid, signal.SIGKILL)
        helper.wait(timeout=10)
