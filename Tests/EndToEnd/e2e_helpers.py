"""Shared helpers for the end-to-end tests: running the tool, pseudo-terminals, keys, the private
D-Bus session with gnome-keyring, moto, and botocore's view of config files.

Everything here starts real processes; nothing is mocked.
"""

from __future__ import annotations

import contextlib
import copy
import io
import itertools
import json
import os
import re
import secrets as _secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN_ENV = "AWSKEYRING_HELPER_BIN"

# Every secret access key the suite stores (or hands to the tool). No command's stderr may ever contain
# one of them; `run` checks that on every call.
KNOWN_SECRETS: set[str] = set()


def helper_bin() -> str:
    """The binary under test, from AWSKEYRING_HELPER_BIN (checked at session start by conftest)."""
    path = os.environ.get(BIN_ENV, "")
    if not path:
        raise RuntimeError(
            f"{BIN_ENV} is not set: point it at the built awskeyring-helper binary "
            "(scripts/test.sh does this; by hand: "
            "AWSKEYRING_HELPER_BIN=$(swift build -c release --show-bin-path)/awskeyring-helper)"
        )
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise RuntimeError(f"{BIN_ENV}={path!r} is not an executable file: build the tool first")
    return os.path.abspath(path)


COMMANDS_PROGRAM = "awskeyring-helper-commands"

# Wall-clock bounds. A test bounds how long a run takes only to show that it did not wait for a limit
# (no network, no lock wait, no prompt), never to measure speed (scripts/bench.sh does that): the bound is
# half the limit the run would otherwise reach, which a run on a busy 2-core machine, several times slower
# than on an idle one, stays far below. Where a limit itself is tested, the run must end after the limit
# and well before the next one it could reach.
STS_CALL_LIMIT = 15  # AWSQueryClient's deadline for one STS call, retries included
DBUS_CALL_LIMIT = 25  # sd-bus's bound on one D-Bus call, the keyring's
LOCK_WAIT_LIMIT = 180  # CredentialProvider.lockTimeout: how long a caller waits for another's lock


def well_under(limit: float) -> float:
    """The bound for a run that must not have waited for `limit` seconds."""
    return limit / 2


def companion_bin(name: str) -> str:
    """The program installed with the helper, which it becomes for everything the keyring alone cannot
    answer (awskeyring-helper-commands): beside it (the build folder) or in ../libexec/awskeyring-helper
    (an installation)."""
    here = os.path.dirname(helper_bin())
    for path in (os.path.join(here, name), os.path.join(here, "..", "libexec", "awskeyring-helper", name)):
        if os.path.exists(path):
            return path
    raise RuntimeError(f"{name} is neither beside {helper_bin()} nor in ../libexec/awskeyring-helper")


def copy_programs(folder, *, copier=shutil.copy2):
    """Copies of the helper and of the program it becomes, side by side in `folder` as in the build
    folder; returns the helper's copy."""
    folder = Path(folder)
    helper = folder / "awskeyring-helper"
    copier(helper_bin(), helper)
    copier(companion_bin(COMMANDS_PROGRAM), folder / COMMANDS_PROGRAM)
    return helper


# ---------------------------------------------------------------------------------------------------
# Running processes


@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str

    def __iter__(self):  # allows `rc, out, err = run(...)`
        return iter((self.rc, self.stdout, self.stderr))

    def describe(self) -> str:
        return f"exit status {self.rc}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"


def secret_variants(secret: str) -> list[str]:
    """The secret as it could appear in output: raw, or JSON-escaped (Swift escapes '/' as '\\/')."""
    escaped = json.dumps(secret)[1:-1]
    return sorted({secret, escaped, secret.replace("/", "\\/"), escaped.replace("/", "\\/")})


def assert_no_known_secret(text: str, where: str) -> None:
    for secret in KNOWN_SECRETS:
        for variant in secret_variants(secret):
            assert variant not in text, f"a secret access key appears in {where}:\n{text}"


def run(argv, env, input=None, timeout=30, cwd=None) -> Result:
    """Runs argv without a controlling terminal (new session, stdin from /dev/null unless `input`).

    Returns Result(rc, stdout, stderr), which also unpacks as (rc, stdout, stderr). Checks on every call
    that stderr holds none of the secrets the suite knows, and that the tool under test did not die
    from a signal (a Swift crash).
    """
    argv = [str(a) for a in argv]
    stdin = subprocess.PIPE if input is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
    )
    data = input.encode() if isinstance(input, str) else input
    try:
        out, err = proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(
            f"{argv!r} did not finish within {timeout}s\n--- stdout ---\n"
            f"{out.decode(errors='replace')}\n--- stderr ---\n{err.decode(errors='replace')}"
        ) from None
    result = Result(
        proc.returncode,
        out.decode("utf-8", errors="surrogateescape"),
        err.decode("utf-8", errors="surrogateescape"),
    )
    assert_no_known_secret(result.stderr, f"the stderr of {argv!r}")
    if argv[0] == os.environ.get(BIN_ENV) or os.path.basename(argv[0]) == "awskeyring-helper":
        assert result.rc >= 0, f"awskeyring-helper was killed by signal {-result.rc} (crash?)\n" + result.describe()
        assert "Fatal error" not in result.stderr, "awskeyring-helper crashed:\n" + result.describe()
    return result


def tool(args, env, input=None, timeout=30) -> Result:
    """Runs awskeyring-helper ARGS... with `env`, without a terminal."""
    return run([helper_bin(), *args], env, input=input, timeout=timeout)


def assert_clean_failure(result: Result, *, mentions=(), mentions_any=()) -> None:
    """A failure as the contract wants it: non-zero exit, nothing on stdout, a message on stderr, no
    stack trace; `mentions` must all appear in stderr (case-insensitive), and at least one of
    `mentions_any` if given."""
    assert result.rc != 0, "expected a failure\n" + result.describe()
    assert result.stdout == "", "stdout must be empty on failure\n" + result.describe()
    assert result.stderr.strip(), "a failure must explain itself on stderr\n" + result.describe()
    low = result.stderr.lower()
    for word in mentions:
        assert word.lower() in low, f"stderr should mention {word!r}\n" + result.describe()
    if mentions_any:
        assert any(w.lower() in low for w in mentions_any), (
            f"stderr should mention one of {list(mentions_any)!r}\n" + result.describe()
        )
    for marker in ("Traceback", "Stack dump", "Fatal error", "Current stack trace"):
        assert marker not in result.stderr, "no stack traces on stderr\n" + result.describe()


def assert_success(result: Result) -> None:
    assert result.rc == 0, "expected success\n" + result.describe()


# ---------------------------------------------------------------------------------------------------
# Pseudo-terminal


class Pty:
    """awskeyring-helper in a pseudo-terminal (its controlling terminal, so /dev/tty works).

    `transcript` is everything the terminal showed: the tool's output plus whatever the terminal
    echoed of our input."""

    def __init__(self, args, env, timeout=15):
        import pexpect

        self._pexpect = pexpect
        self._log = io.StringIO()
        self.child = pexpect.spawn(
            helper_bin(), [str(a) for a in args], env=env, encoding="utf-8", timeout=timeout,
            codec_errors="replace", dimensions=(24, 200),
        )
        self.child.logfile_read = self._log

    @property
    def transcript(self) -> str:
        return self._log.getvalue()

    def expect_exact(self, text: str) -> str:
        """Waits for `text`; returns what came before it."""
        try:
            self.child.expect_exact(text)
        except (self._pexpect.EOF, self._pexpect.TIMEOUT) as e:
            raise AssertionError(
                f"the terminal never showed {text!r} ({type(e).__name__}); it showed:\n{self.transcript!r}"
            ) from None
        return self.child.before

    def sendline(self, text: str) -> None:
        self.child.send(text + "\r")

    def finish(self, timeout=15) -> int:
        """Waits for the process to end; returns its exit status (negative: killed by that signal)."""
        try:
            self.child.expect(self._pexpect.EOF, timeout=timeout)
        except self._pexpect.TIMEOUT:
            self.child.close(force=True)
            raise AssertionError(f"the tool did not exit; the terminal showed:\n{self.transcript!r}") from None
        self.child.close()
        if self.child.signalstatus is not None:
            raise AssertionError(f"killed by signal {self.child.signalstatus}:\n{self.transcript!r}")
        return self.child.exitstatus

    def close(self):
        if self.child.isalive():
            self.child.close(force=True)


# ---------------------------------------------------------------------------------------------------
# Keys and names

_counter = itertools.count(1)
_ID_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "/+"


def fresh_profile(prefix="p") -> str:
    """A profile name no other test uses."""
    return f"{prefix}-{next(_counter)}-{_secrets.token_hex(3)}"


def new_access_key_id(length=20) -> str:
    return "AKIA" + "".join(_secrets.choice(_ID_ALPHABET) for _ in range(length - 4))


def new_secret(register=True) -> str:
    """A well-formed 40-character secret with a '/' and a '+' in it (they need care in JSON)."""
    chars = [_secrets.choice(_SECRET_ALPHABET) for _ in range(40)]
    chars[7], chars[23] = "/", "+"
    secret = "".join(chars)
    if register:
        KNOWN_SECRETS.add(secret)
    return secret


def new_keys(id_length=20) -> tuple[str, str]:
    return new_access_key_id(id_length), new_secret()


def env_with(env: dict, **changes) -> dict:
    """A copy of env with changes applied; a value of None removes the variable."""
    out = dict(env)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    return out


def store_from_env(env, profile, access_key_id, secret, *, force=False) -> Result:
    args = ["store", "--profile", profile, "--from-env"] + (["--force"] if force else [])
    return tool(args, env_with(env, AWS_ACCESS_KEY_ID=access_key_id, AWS_SECRET_ACCESS_KEY=secret))


def credential_document(result: Result) -> dict:
    """Parses the credential_process document and checks its shape (exactly one JSON object)."""
    assert result.rc == 0, "expected a credential document\n" + result.describe()
    try:
        doc = json.loads(result.stdout)
    except ValueError as e:
        raise AssertionError(f"stdout is not one JSON document ({e}):\n{result.stdout!r}") from None
    assert isinstance(doc, dict), f"the document must be a JSON object: {result.stdout!r}"
    return doc


def assert_keys(env, profile, access_key_id, secret) -> None:
    """P's credential document is exactly the long-lived keys given."""
    result = tool(["--profile", profile], env)
    doc = credential_document(result)
    assert doc == {"Version": 1, "AccessKeyId": access_key_id, "SecretAccessKey": secret}, doc
    assert type(doc["Version"]) is int
    assert result.stderr == "", "a successful credential call writes nothing on stderr\n" + result.describe()


def assert_no_keys(env, profile) -> None:
    """P has no stored keys: the credential call fails and points at `store`."""
    result = tool(["--profile", profile], env)
    assert_clean_failure(result, mentions=[f"awskeyring-helper store --profile {profile}"])


# ---------------------------------------------------------------------------------------------------
# A private D-Bus session with a real gnome-keyring-daemon


_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  {services}
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <!-- The limits of Debian's session bus (/usr/share/dbus-1/session.conf): without them dbus-daemon keeps
       its system-bus defaults (128 pending replies per connection, 64 connections being set up), which a
       busy desktop session never meets and parallel tests do. -->
  <limit name="max_incomplete_connections">10000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <limit name="max_completed_connections">100000</limit>
  <limit name="max_pending_service_starts">10000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
"""


# By default no service directories: nothing is started by D-Bus activation, so a stray or crashed keyring
# can never be replaced behind the tests' back by one from the machine.
_NO_ACTIVATION = "<!-- no service directories: no D-Bus activation -->"
# A bus like a desktop's: services are started on demand from the system's service files.
_ACTIVATION = "<standard_session_servicedirs/>"


def bus_config(socket_path, activation=False) -> str:
    """The configuration of a private session bus listening on `socket_path`."""
    return _BUS_CONFIG.format(socket=socket_path, services=_ACTIVATION if activation else _NO_ACTIVATION)


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def base_env(home: Path, runtime: Path, data: Path, config: Path) -> dict:
    """An environment built from scratch: nothing from the outer environment but PATH (so no real
    AWS_* variables, no DISPLAY, no real D-Bus session)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_DATA_HOME": str(data),
        "XDG_CONFIG_HOME": str(config),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


class PrivateSession:
    """A fresh HOME and XDG directories, a private dbus-daemon, and (with_keyring) an unlocked
    gnome-keyring-daemon providing the Secret Service on it. `env` is what tests pass to processes."""

    PASSWORD = "e2e-keyring-password"

    def __init__(self, root: Path, with_keyring=True):
        self.root = root
        self.home = root / "home"
        self.runtime = root / "run"
        self.data = root / "data"
        self.config = root / "config"
        self.busdir = root / "bus"
        for d in (self.home, self.home / ".aws", self.runtime, self.data, self.config, self.busdir):
            d.mkdir(parents=True, exist_ok=True)
        self.runtime.chmod(0o700)
        self.busdir.chmod(0o700)
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        self.env = base_env(self.home, self.runtime, self.data, self.config)
        try:
            self._start_bus()
            if with_keyring:
                self._start_keyring()
        except BaseException:
            self.stop()
            raise

    def _spawn(self, argv, name, stdin=subprocess.DEVNULL, stdout=None):
        log = self.root / f"{name}.log"
        self.logs.append(log)
        logf = open(log, "wb")
        proc = subprocess.Popen(
            argv, env=self.env, stdin=stdin, stdout=stdout or logf, stderr=logf, start_new_session=True
        )
        logf.close()
        self.procs.append(proc)
        return proc

    def log_text(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')}" for p in self.logs if p.exists())

    def _start_bus(self):
        socket_path = self.busdir / "bus"
        conf = self.root / "session.conf"
        conf.write_text(bus_config(socket_path))
        proc = self._spawn(
            ["dbus-daemon", f"--config-file={conf}", "--nofork", "--nopidfile", "--print-address=1"],
            "dbus-daemon",
            stdout=subprocess.PIPE,
        )
        line = proc.stdout.readline().decode().strip()
        proc.stdout.close()
        if not line.startswith("unix:"):
            raise RuntimeError(f"dbus-daemon did not start (printed {line!r})\n{self.log_text()}")
        self.bus_address = line
        self.env["DBUS_SESSION_BUS_ADDRESS"] = line

    def name_has_owner(self, name: str) -> bool:
        r = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            env=self.env, capture_output=True, text=True, timeout=10,
        )
        return r.returncode == 0 and "boolean true" in r.stdout

    def _start_keyring(self, name="gnome-keyring-daemon"):
        proc = self._spawn(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            name,
            stdin=subprocess.PIPE,
        )
        self.keyring_daemon = proc
        proc.stdin.write(self.PASSWORD.encode())
        proc.stdin.close()

        def ready():
            if proc.poll() is not None:
                raise RuntimeError(f"gnome-keyring-daemon exited with {proc.returncode}\n{self.log_text()}")
            return self.name_has_owner("org.freedesktop.secrets")

        _wait_for(ready, 20, "gnome-keyring-daemon to own org.freedesktop.secrets")
        # Prove the default collection takes and gives back an item, then remove it again.
        probe = _secrets.token_hex(8)
        attrs = ["e2e-fixture-probe", probe]
        r = subprocess.run(["secret-tool", "store", "--label=e2e probe", *attrs], input=b"probe-value",
                           env=self.env, capture_output=True, timeout=10)
        if r.returncode != 0:
            raise RuntimeError(f"secret-tool store failed: {r.stderr.decode()}\n{self.log_text()}")
        r = subprocess.run(["secret-tool", "lookup", *attrs], env=self.env, capture_output=True, timeout=10)
        if r.returncode != 0 or r.stdout != b"probe-value":
            raise RuntimeError(f"secret-tool lookup gave {r.returncode} {r.stdout!r} {r.stderr!r}")
        subprocess.run(["secret-tool", "clear", *attrs], env=self.env, capture_output=True, timeout=10, check=True)

    def lock(self) -> None:
        """Locks the default collection over D-Bus (org.freedesktop.Secret.Service.Lock), as a
        screen locker or `secret-tool lock` would. Nothing can unlock it again without a prompt but
        `unlock`."""
        r = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
             "org.freedesktop.Secret.Service.Lock", "array:objpath:/org/freedesktop/secrets/aliases/default"],
            env=self.env, capture_output=True, text=True, timeout=10,
        )
        if r.returncode != 0:
            raise RuntimeError(f"locking the default collection failed: {r.stderr}")
        if not default_collection_locked(self.env):
            raise RuntimeError("the default collection is not locked after Lock")

    def unlock(self) -> None:
        """Unlocks the default collection with its password: a new gnome-keyring-daemon replaces the
        running one (the only way in without a graphical prompt) and opens the same keyring file."""
        proc = self._spawn(
            ["gnome-keyring-daemon", "--replace", "--foreground", "--unlock", "--components=secrets"],
            f"gnome-keyring-daemon-{len(self.procs)}",
            stdin=subprocess.PIPE,
        )
        self.keyring_daemon = proc
        proc.stdin.write(self.PASSWORD.encode())
        proc.stdin.close()

        def unlocked():
            if proc.poll() is not None:
                raise RuntimeError(f"gnome-keyring-daemon --replace exited with {proc.returncode}\n{self.log_text()}")
            try:
                return not default_collection_locked(self.env)
            except AssertionError:
                return False  # the name is changing hands

        _wait_for(unlocked, 20, "the replacing gnome-keyring-daemon to unlock the default collection")

    def keyring_daemon_lost(self) -> str | None:
        """Why this session no longer has its Secret Service (its gnome-keyring-daemon exited, or no
        longer owns the name), with the session's logs; None while it has it."""
        daemon = getattr(self, "keyring_daemon", None)
        if daemon is None:
            return None
        if daemon.poll() is not None:
            why = f"gnome-keyring-daemon (pid {daemon.pid}) exited with {daemon.returncode}"
        elif not self.name_has_owner("org.freedesktop.secrets"):
            why = f"gnome-keyring-daemon (pid {daemon.pid}) runs but no longer owns org.freedesktop.secrets"
        else:
            return None
        return f"{why}\n{self.log_text()}"

    def restart_keyring(self) -> None:
        """A new gnome-keyring-daemon on the same keyring files, for the tests after one that lost it."""
        if self.keyring_daemon.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.keyring_daemon.pid, signal.SIGTERM)
            self.keyring_daemon.wait(timeout=10)
        self._start_keyring(f"gnome-keyring-daemon-{len(self.procs)}")

    def stop(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)
        self.procs.clear()


def _dbus_get(env, path, interface, prop) -> str:
    r = subprocess.run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets", path,
         "org.freedesktop.DBus.Properties.Get", f"string:{interface}", f"string:{prop}"],
        env=env, capture_output=True, text=True, timeout=10,
    )
    assert r.returncode == 0, f"dbus-send failed: {r.stderr}"
    return r.stdout


def default_collection_locked(env) -> bool:
    return "boolean true" in _dbus_get(
        env, "/org/freedesktop/secrets/aliases/default", "org.freedesktop.Secret.Collection", "Locked")


TOOL_SCHEMA = "io.github.awskeyring-helper.Credential"


def key_item_attributes(profile: str) -> dict:
    """The attributes of the item that holds P's keys (what the tool writes)."""
    return {"xdg:schema": TOOL_SCHEMA, "application": "awskeyring-helper", "kind": "access-key", "profile": profile}


def plant_key_item(env, profile: str, secret: bytes | str) -> None:
    """Writes an item with the tool's attributes for P's keys and an arbitrary secret, with secret-tool
    (a corrupt item, or one another program wrote)."""
    attrs = [x for kv in key_item_attributes(profile).items() for x in kv]
    data = secret.encode() if isinstance(secret, str) else secret
    r = subprocess.run(["secret-tool", "store", "--label=planted item", *attrs], input=data, env=env,
                       capture_output=True, timeout=20)
    assert r.returncode == 0, f"secret-tool store failed: {r.stderr!r}"


def key_items(env, profile: str) -> list[str]:
    """The raw secrets of every item holding P's keys, read with secret-tool independently of the tool
    (one entry per item; a correctly stored profile has exactly one)."""
    attrs = [x for kv in key_item_attributes(profile).items() for x in kv]
    r = subprocess.run(["secret-tool", "search", "--all", *attrs], env=env, capture_output=True, timeout=20)
    assert r.returncode in (0, 1), f"secret-tool search failed: {r.stderr!r}"
    return [line[len("secret = "):] for line in r.stdout.decode(errors="replace").splitlines()
            if line.startswith("secret = ")]


def keyring_items(env, **attributes) -> list[dict]:
    """The Secret Service items whose attributes include these, found with SearchItems and read over
    D-Bus independently of the tool: [{"path": ..., "label": ..., "attributes": {...}}]. (Strings are
    parsed from dbus-send's output, so keep profile names free of double quotes.)

    Only the items searched for are read: gnome-keyring-daemon aborts (GLib's "invoke_get_property_in_idle_cb:
    assertion failed") on a property read of an item whose object it failed to register ("asked to register
    item ..., but it's already registered", which many processes replacing cached sessions at once bring
    about), so reading every item of a collection that other tests wrote to can bring it down."""
    query = ",".join(f"{key},{value}" for key, value in attributes.items())
    r = subprocess.run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
         "org.freedesktop.Secret.Service.SearchItems", f"dict:string:string:{query}"],
        env=env, capture_output=True, text=True, timeout=10,
    )
    assert r.returncode == 0, f"SearchItems failed: {r.stderr}"
    items = []
    for path in re.findall(r'object path "([^"]+)"', r.stdout):
        strings = re.findall(r'string "(.*)"', _dbus_get(env, path, "org.freedesktop.Secret.Item", "Attributes"))
        attributes = dict(zip(strings[0::2], strings[1::2]))
        label = re.findall(r'string "(.*)"', _dbus_get(env, path, "org.freedesktop.Secret.Item", "Label"))
        items.append({"path": path, "label": label[0] if label else "", "attributes": attributes})
    return items


def keyring_secret(env, attributes: dict) -> str:
    """The secret of the item with exactly these attributes, through secret-tool."""
    args = [x for kv in attributes.items() for x in kv]
    r = subprocess.run(["secret-tool", "lookup", *args], env=env, capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, f"secret-tool lookup {args} failed: {r.stderr}"
    return r.stdout


# ---------------------------------------------------------------------------------------------------
# Fake services on loopback


class LoopbackServer:
    """The base of the tests' small fake services (IMDS, the container endpoint, the federation
    endpoint, proxies, a hostile STS): `serve(Handler)`, at the end of a subclass's __init__, starts a
    threaded server on 127.0.0.1 at a free port and sets `url`; `close()` (or `stop()`) ends it."""

    def serve(self, handler, path="", server_class=None):
        import http.server
        import threading

        self.server = (server_class or http.server.ThreadingHTTPServer)(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def stop(self):
        self.close()


# ---------------------------------------------------------------------------------------------------
# moto


@dataclass(frozen=True)
class Moto:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    user_arn: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The calls made before signature checking starts: create_user and create_access_key.
MOTO_UNSIGNED_CALLS = 2

ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
TRUST_ANY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})


@dataclass
class MotoUser:
    """An IAM user of moto's with an allow-all policy and one access key, and the roles made with it
    (not frozen: a test that rotates the key may note the current one on it)."""
    url: str
    access_key_id: str
    secret_access_key: str
    user_arn: str
    role_arns: dict


def moto_setup_calls(roles=()) -> int:
    """The unsigned calls `MotoServer.create_user` makes: create_user, put_user_policy,
    create_access_key, then create_role and put_role_policy for each role."""
    return 3 + 2 * len(roles)


class MotoServer:
    """moto_server on loopback, the one way every test starts it. With `unsigned_calls`, moto checks
    SigV4 signatures (and IAM policies) after that many AWS requests, which the test spends on setting
    up users and roles; with None it checks nothing (AssumeRoleWithWebIdentity, which moto's check
    refuses unsigned)."""

    def __init__(self, root: Path, unsigned_calls: int | None = MOTO_UNSIGNED_CALLS):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "moto.log"
        exe = shutil.which("moto_server")
        argv = [exe] if exe else [sys.executable, "-m", "moto.server"]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(root),
            "LANG": "C.UTF-8",
        }
        if unsigned_calls is not None:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(unsigned_calls)
        with open(self.log, "wb") as logf:
            self.proc = subprocess.Popen(
                [*argv, "-H", "127.0.0.1", "-p", str(self.port)],
                env=env, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True,
            )

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                # /moto-api/ is not an AWS action: it does not count against INITIAL_NO_AUTH_ACTION_COUNT.
                with urllib.request.urlopen(self.url + "/moto-api/", timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False

        try:
            _wait_for(ready, 30, "moto_server to answer")
        except BaseException:
            self.stop()
            raise

    def setup_client(self, service="iam"):
        """A boto3 client for the unsigned setup calls (any keys do for those)."""
        import boto3

        return boto3.client(
            service, endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x" * 40,
        )

    def create_identity(self) -> Moto:
        iam = self.setup_client()
        user = iam.create_user(UserName="e2e-user")["User"]  # unsigned call 1
        key = iam.create_access_key(UserName="e2e-user")["AccessKey"]  # unsigned call 2
        KNOWN_SECRETS.add(key["SecretAccessKey"])
        return Moto(self.url, key["AccessKeyId"], key["SecretAccessKey"], user["Arn"])

    def create_user(self, name: str, roles: dict | None = None) -> MotoUser:
        """A user with an allow-all policy (moto enforces IAM policies once signatures are checked) and
        an access key, and `roles` (role name -> trust policy document) each with an allow-all policy:
        `moto_setup_calls(roles)` unsigned calls."""
        iam = self.setup_client()
        user = iam.create_user(UserName=name)["User"]
        iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=ALLOW_ALL)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        KNOWN_SECRETS.add(key["SecretAccessKey"])
        arns = {}
        for role, trust in (roles or {}).items():
            arns[role] = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
            iam.put_role_policy(RoleName=role, PolicyName="all", PolicyDocument=ALLOW_ALL)
        return MotoUser(self.url, key["AccessKeyId"], key["SecretAccessKey"], user["Arn"], arns)

    def stop(self):
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


@contextlib.contextmanager
def moto_server(root: Path, unsigned_calls: int | None = MOTO_UNSIGNED_CALLS):
    """A `MotoServer` for the length of a `with` block (or a fixture's `yield from`/`with`)."""
    server = MotoServer(root, unsigned_calls)
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------------
# botocore's view of the config files


@contextlib.contextmanager
def patched_environ(**values):
    saved = dict(os.environ)
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = str(v)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class BotocoreView:
    profiles: dict | None  # profile name -> botocore's merged map (None when botocore rejects the files)
    error: Exception | None  # the ConfigParseError


def botocore_view(config_file, credentials_file, extra_env=None) -> BotocoreView:
    """Reads the files with botocore, in this process, with the same AWS_CONFIG_FILE /
    AWS_SHARED_CREDENTIALS_FILE the tool gets: for each profile P botocore sees,
    botocore.session.Session(profile=P).full_config['profiles'][P]."""
    import botocore.exceptions
    import botocore.session

    env = {
        "AWS_CONFIG_FILE": str(config_file),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials_file),
        "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None,
        **(extra_env or {}),
    }
    with patched_environ(**env):
        try:
            names = list(botocore.session.Session().full_config["profiles"])
            profiles = {}
            for name in names:
                session = botocore.session.Session(profile=name)
                profiles[name] = copy.deepcopy(session.full_config["profiles"][name])
        except botocore.exceptions.ConfigParseError as e:
            return BotocoreView(None, e)
    return BotocoreView(profiles, None)


def config_error_line_numbers(error) -> list[int]:
    """The line numbers botocore's ConfigParseError carries (through configparser), first first."""
    inner = getattr(error, "kwargs", {}).get("error")
    if inner is None:
        return []
    errors = getattr(inner, "errors", None)  # configparser.ParsingError: [(lineno, line), ...]
    if errors:
        return [lineno for lineno, _ in errors]
    lineno = getattr(inner, "lineno", None)
    return [lineno] if lineno else []


def mentions_number(text: str, number: int) -> bool:
    return re.search(rf"(?<![0-9]){number}(?![0-9])", text) is not None
