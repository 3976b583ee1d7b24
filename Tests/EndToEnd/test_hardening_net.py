"""Hardening of the network path and of the process itself:
proxies, loopback, core dumps and /proc/PID/mem, the CA bundle, control characters in outside text, the
bound on an unanswered MFA prompt, and the process group of mfa_process.

Real parts only: the fake STS (SigV4 checked with botocore), served over TLS where a test needs https,
a recording HTTP proxy that tunnels CONNECT, certificates made with the openssl command, and, where the
machine's own files must look different (the CA directory, /etc/hosts), a private mount namespace
(`unshare -m`, as root), so the machine's files are never changed.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure
from fake_sts import PROMPT, SERIAL, FakeSTS, World, fake_sts, role_arn  # noqa: F401 (fixture)

# Any C0 control but tab and newline, DEL, or a C1 control: what must never reach a terminal.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def world(env, fake_sts, tmp_path):
    return World(env, fake_sts, tmp_path / "world")


def _role_without_mfa(world, name="plain") -> str:
    """A profile that assumes a role (no MFA) with the world's stored keys; returns its name."""
    profile = h.fresh_profile("role")
    arn = role_arn(f"{name}-{profile}")
    world.fake.allow_role_without_mfa(arn)
    with open(world.config_path, "a") as f:
        f.write(f"\n[profile {profile}]\nrole_arn = {arn}\nsource_profile = {world.base}\n")
    return profile


def _assume_roles(world):
    return world.fake.actions("AssumeRole")


# ---------------------------------------------------------------------------------------------------
# Certificates, a TLS fake STS, a recording proxy, a private mount namespace


PROXIED_HOST = "sts.proxied.invalid"  # never resolvable: only a proxy can reach it


def _openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"openssl {' '.join(args)} failed: {r.stderr}"


def _make_ca(directory: Path, name: str) -> Path:
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN=awskeyring e2e {name}",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )
    return directory / f"{name}.pem"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A test CA with a server certificate (localhost, 127.0.0.1 and PROXIED_HOST), and another CA that
    signed nothing the tests serve."""
    d = tmp_path_factory.mktemp("pki")
    ca = _make_ca(d, "ca")
    other = _make_ca(d, "other-ca")
    (d / "ext.cnf").write_text(
        f"subjectAltName=DNS:localhost,DNS:{PROXIED_HOST},IP:127.0.0.1\n"
        "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=d)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    r = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", str(ca)], capture_output=True, text=True,
                       check=True)
    return {"dir": d, "ca": ca, "other_ca": other, "cert": d / "server.pem", "key": d / "server.key",
            "ca_hash": r.stdout.strip()}


def _serve_tls(fake: FakeSTS, pki) -> int:
    """Turns the fake STS's listening socket into a TLS one (same port); returns the port."""
    fake.use_tls(pki["cert"], pki["key"])
    return fake.port


class RecordingProxy(h.LoopbackServer):
    """An HTTP proxy on 127.0.0.1: records every request line it gets; tunnels CONNECT to 127.0.0.1 on
    the requested port (whatever the host name); answers anything else 502."""

    def __init__(self):
        self.lines: list[str] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                line = data.split(b"\r\n", 1)[0].decode(errors="replace")
                proxy.lines.append(line)
                parts = line.split()
                if len(parts) == 3 and parts[0] == "CONNECT":
                    port = int(parts[1].rsplit(":", 1)[1])
                    upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
                    self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    _pipe_both_ways(self.request, upstream)
                else:
                    self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        self.serve(Handler, server_class=socketserver.ThreadingTCPServer)


def _pipe_both_ways(a: socket.socket, b: socket.socket) -> None:
    def copy(src, dst):
        with contextlib.suppress(OSError):
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                dst.sendall(chunk)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=copy, args=(b, a), daemon=True)
    t.start()
    copy(a, b)
    t.join(timeout=10)
    b.close()


@pytest.fixture
def proxy():
    p = RecordingProxy()
    yield p
    p.stop()


def _in_namespace(binds: dict[str, Path], argv: list) -> list[str]:
    """argv run in a private mount namespace where each target path shows the given file or directory
    instead (bind mounts seen by nothing else on the machine)."""
    script = "set -e\n" + "".join(
        f"mount --bind {shlex.quote(str(source))} {shlex.quote(target)}\n" for target, source in binds.items()
    ) + 'exec "$@"\n'
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", *map(str, argv)]


# ---------------------------------------------------------------------------------------------------
# 3. Proxies: never for plain http to loopback; https as botocore decides


def test_plain_http_to_loopback_never_goes_through_a_proxy(world, proxy):
    role = _role_without_mfa(world)
    env = h.env_with(world.env, http_proxy=proxy.url, HTTP_PROXY=proxy.url, ALL_PROXY=proxy.url,
                     all_proxy=proxy.url, https_proxy=proxy.url)
    r = h.tool(["--profile", role], env)
    doc = h.credential_document(r)
    world.assert_issued(doc, "role")
    assert proxy.lines == [], f"the signed request went to the proxy: {proxy.lines}"
    assert len(_assume_roles(world)) == 1


def test_https_follows_https_proxy_and_no_proxy_as_botocore(world, proxy, pki):
    port = _serve_tls(world.fake, pki)
    role = _role_without_mfa(world)
    env = h.env_with(world.env, AWS_ENDPOINT_URL=f"https://{PROXIED_HOST}:{port}", AWS_CA_BUNDLE=pki["ca"],
                     HTTPS_PROXY=proxy.url)
    # Through the proxy (the host resolves nowhere else): the tunnel carries TLS end to end.
    doc = h.credential_document(h.tool(["--profile", role, "--refresh"], env))
    world.assert_issued(doc, "role")
    assert proxy.lines == [f"CONNECT {PROXIED_HOST}:{port} HTTP/1.1"], proxy.lines

    # The lower-case name wins over the upper-case one, as in botocore (and an empty one unsets).
    proxy.lines.clear()
    lower = h.env_with(env, HTTPS_PROXY="http://127.0.0.1:9", https_proxy=proxy.url)
    world.assert_issued(h.credential_document(h.tool(["--profile", role, "--refresh"], lower)), "role")
    assert len(proxy.lines) == 1, proxy.lines
    proxy.lines.clear()
    unset = h.env_with(env, https_proxy="")
    assert_clean_failure(h.tool(["--profile", role, "--refresh"], unset), mentions=["could not connect"])
    assert proxy.lines == [], proxy.lines

    # NO_PROXY names the domain: a direct connection, which cannot resolve the name.
    for no_proxy in (".proxied.invalid", "proxied.invalid", f"{PROXIED_HOST}:{port}", "*"):
        proxy.lines.clear()
        r = h.tool(["--profile", role, "--refresh"], h.env_with(env, NO_PROXY=no_proxy))
        assert_clean_failure(r, mentions=["could not connect"])
        assert proxy.lines == [], (no_proxy, proxy.lines)
    # A NO_PROXY entry that only looks alike does not bypass.
    proxy.lines.clear()
    r = h.tool(["--profile", role, "--refresh"], h.env_with(env, NO_PROXY="xied.invalid,other.example"))
    h.credential_document(r)
    assert len(proxy.lines) == 1, proxy.lines


def test_all_proxy_is_ignored_as_in_botocore(world, proxy, pki):
    port = _serve_tls(world.fake, pki)
    role = _role_without_mfa(world)
    env = h.env_with(world.env, AWS_ENDPOINT_URL=f"https://{PROXIED_HOST}:{port}", AWS_CA_BUNDLE=pki["ca"],
                     ALL_PROXY=proxy.url, all_proxy=proxy.url)
    r = h.tool(["--profile", role], env)
    assert_clean_failure(r, mentions=["could not connect"])
    assert proxy.lines == [], f"ALL_PROXY was used, which botocore ignores: {proxy.lines}"


# ---------------------------------------------------------------------------------------------------
# 4. Loopback means literal loopback addresses and localhost, pinned


@pytest.mark.parametrize("host", ["127.0.0.08", "127.000.0.1", "0177.0.0.1", "sts.localhost", "127.0.0.1.nip.io"])
def test_plain_http_to_a_name_that_only_looks_like_loopback_is_refused(world, host):
    role = _role_without_mfa(world)
    env = h.env_with(world.env, AWS_ENDPOINT_URL=f"http://{host}:{world.fake.port}")
    r = h.tool(["--profile", role], env)
    assert_clean_failure(r, mentions=["plain http", "https://"])
    assert world.fake.calls == [] and world.fake.rejected == [], world.fake.describe()


def test_plain_http_to_127_0_0_08_is_refused_even_where_it_resolves_to_loopback(world, tmp_path):
    """With /etc/hosts making the name 127.0.0.08 point at the fake STS, the old check let a signed
    request go to whatever the resolver said: the refusal must not depend on the resolver."""
    role = _role_without_mfa(world)
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost 127.0.0.08\n")
    env = h.env_with(world.env, AWS_ENDPOINT_URL=f"http://127.0.0.08:{world.fake.port}")
    r = h.run(_in_namespace({"/etc/hosts": hosts}, [h.helper_bin(), "--profile", role]), env)
    assert_clean_failure(r, mentions=["plain http"])
    assert world.fake.calls == [], world.fake.describe()


def test_localhost_is_pinned_to_loopback_whatever_the_resolver_says(world, tmp_path):
    role = _role_without_mfa(world)
    hosts = tmp_path / "hosts"
    hosts.write_text("192.0.2.1 localhost\n")  # TEST-NET-1: nothing answers there
    env = h.env_with(world.env, AWS_ENDPOINT_URL=f"http://localhost:{world.fake.port}")
    r = h.run(_in_namespace({"/etc/hosts": hosts}, [h.helper_bin(), "--profile", role]), env)
    world.assert_issued(h.credential_document(r), "role")


# ---------------------------------------------------------------------------------------------------
# 8. ca_bundle and AWS_CA_BUNDLE replace the system trust store


@pytest.fixture
def system_store_trusting_test_ca(pki, tmp_path):
    """A CA directory for /etc/ssl/certs (in a private namespace) that trusts the test CA, the way
    update-ca-certificates would lay it out: hashed link and the combined file."""
    d = tmp_path / "system-certs"
    d.mkdir()
    shutil.copy(pki["ca"], d / "awskeyring-e2e-ca.pem")
    os.symlink("awskeyring-e2e-ca.pem", d / f"{pki['ca_hash']}.0")
    shutil.copy(pki["ca"], d / "ca-certificates.crt")
    return d


def test_ca_bundle_replaces_the_system_store(world, pki, system_store_trusting_test_ca):
    port = _serve_tls(world.fake, pki)
    role = _role_without_mfa(world)
    env = h.env_with(world.env, AWS_ENDPOINT_URL=f"https://127.0.0.1:{port}")
    binds = {"/etc/ssl/certs": system_store_trusting_test_ca}

    def call(extra_env, refresh=True):
        argv = [h.helper_bin(), "--profile", role] + (["--refresh"] if refresh else [])
        return h.run(_in_namespace(binds, argv), h.env_with(env, **extra_env))

    # The (namespaced) system store trusts the server: without a bundle the call works.
    world.assert_issued(h.credential_document(call({})), "role")
    calls = len(_assume_roles(world))

    # A bundle without the server's CA: refused, although the system store would accept the server.
    r = call({"AWS_CA_BUNDLE": pki["other_ca"]})
    assert_clean_failure(r, mentions=["TLS"])
    with open(world.config_path, "a") as f:
        f.write(f"ca_bundle = {pki['other_ca']}\n")  # the role profile is the file's last section
    r = call({})
    assert_clean_failure(r, mentions=["TLS"])
    assert len(_assume_roles(world)) == calls, "nothing may reach STS over an untrusted connection"

    # A bundle with the server's CA works (the environment wins over the profile's ca_bundle).
    world.assert_issued(h.credential_document(call({"AWS_CA_BUNDLE": pki["ca"]})), "role")


# ---------------------------------------------------------------------------------------------------
# 10. Control characters from services, files and commands never reach the terminal


class _HostileSTS(h.LoopbackServer):
    """Answers every request with an STS error whose message carries C1 controls (CSI, NEL), raw and
    as character references (C0 controls other than tab and newline cannot appear in XML 1.0)."""

    MESSAGE = "Denied\u009b2J\u0085forged line&#x9b;31m&#133; end"

    def __init__(self):
        message = self.MESSAGE.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = (
                    b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                    b"<Code>AccessDenied</Code><Message>" + message + b"</Message></Error>"
                    b"<RequestId>x</RequestId></ErrorResponse>"
                )
                self.send_response(403)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.serve(Handler)


def test_control_characters_are_removed_from_service_file_and_command_text(world, tmp_path):
    hostile = _HostileSTS()
    try:
        role = _role_without_mfa(world)
        r = h.tool(["--profile", role], h.env_with(world.env, AWS_ENDPOINT_URL=hostile.url))
    finally:
        hostile.stop()
    assert_clean_failure(r, mentions=["AccessDenied", "Denied", "forged line", "end"])
    assert not CONTROLS.search(r.stderr), f"control characters reached stderr: {r.stderr!r}"

    # A command's stderr (credential_process of a source profile).
    command = tmp_path / "noisy-process"
    command.write_text("#!/bin/sh\nprintf 'vault says \\033[31mno\\302\\233K\\033]0;x\\007 \\302\\205done\\n' >&2\nexit 4\n")
    command.chmod(0o755)
    src = h.fresh_profile("src")
    role = h.fresh_profile("role")
    with open(world.config_path, "a") as f:
        f.write(f"\n[profile {src}]\ncredential_process = {command}\n\n"
                f"[profile {role}]\nrole_arn = {role_arn('x')}\nsource_profile = {src}\n")
    r = world.helper("--profile", role)
    assert_clean_failure(r, mentions=["vault says", "done", "status 4"])
    assert not CONTROLS.search(r.stderr), f"control characters reached stderr: {r.stderr!r}"

    # Text from a config file quoted in an error.
    bad = h.fresh_profile("bad")
    with open(world.config_path, "a") as f:
        f.write(f"\n[profile {bad}]\nrole_arn = {role_arn('y')}\nsource_profile = {world.base}\n"
                "mfa_prompt_timeout = 12\u009b31m\u001b[2J0\n")
    r = world.helper("--profile", bad)
    assert_clean_failure(r, mentions=["mfa_prompt_timeout = 1231m[2J0"])
    assert not CONTROLS.search(r.stderr), f"control characters reached stderr: {r.stderr!r}"

    # Text from a config file shown by `explain`.
    shown = h.fresh_profile("shown")
    with open(world.config_path, "a") as f:
        f.write(f"\n[profile {shown}]\ncredential_source = Environment\nrole_arn = {role_arn('z')}\n"
                "role_session_name = s\u009b31m\u001b]0;t\u0007x\n")
    r = world.helper("explain", "--profile", shown)
    assert r.rc == 0 and "31m" in r.stdout, r.describe()
    assert not CONTROLS.search(r.stdout + r.stderr), f"control characters reached the terminal: {r.stdout!r}"


# ---------------------------------------------------------------------------------------------------
# 12. An unanswered MFA prompt gives up, and lets the others go


def test_an_unanswered_mfa_prompt_gives_up_and_releases_the_lock(world):
    role = h.fresh_profile("role")
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('slow')}\nsource_profile = {world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_prompt_timeout = 3\n"
    )
    pty = h.Pty(["--profile", role], world.env, timeout=30)
    try:
        pty.expect_exact(PROMPT)
        started = time.monotonic()
        # Another caller for the same keys waits for the lock meanwhile.
        waiter = subprocess.Popen([h.helper_bin(), "--profile", role], env=world.env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        rc = pty.finish(timeout=30)
        elapsed = time.monotonic() - started
        out, err = waiter.communicate(timeout=30)
    finally:
        pty.close()
    assert rc != 0, pty.transcript
    assert 1.5 <= elapsed < 15, f"gave up after {elapsed:.1f} s (mfa_prompt_timeout = 3)"
    assert "mfa_prompt_timeout" in pty.transcript and "within 3 s" in pty.transcript, pty.transcript
    assert world.fake.helper_calls() == [], world.fake.describe()
    # The waiter got the lock when the prompt gave up, and failed at once for its own reason (it has
    # no terminal), not after the 180 s lock wait.
    assert waiter.returncode != 0 and out == b"", err
    assert b"gave up after" not in err and b"no terminal" in err, err


def test_mfa_prompt_timeout_must_be_a_number_of_seconds(world):
    role = h.fresh_profile("role")
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('slow')}\nsource_profile = {world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_prompt_timeout = soon\n"
    )
    assert_clean_failure(world.helper("--profile", role), mentions=["mfa_prompt_timeout", "soon", "1 to 3600"])


# ---------------------------------------------------------------------------------------------------
# 13. At its time limit, mfa_process is stopped with everything it started


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_mfa_process_at_its_time_limit_is_killed_with_its_children(world):
    role = h.fresh_profile("role")
    pid_file = world.dir / "grandchild.pid"
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('hang')}\nsource_profile = {world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_prompt_timeout = 2\n"
        f"mfa_process = sleep 300 & echo $! > {shlex.quote(str(pid_file))}; sleep 301\n"
    )
    started = time.monotonic()
    r = world.helper("--profile", role, timeout=30)
    assert_clean_failure(r, mentions=["mfa_process", "did not finish within 2 s"])
    assert time.monotonic() - started < 15
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while not _gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = not _gone(grandchild)
    if alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(grandchild, signal.SIGKILL)
    assert not alive, "the sleep that mfa_process started outlived it"


# ---------------------------------------------------------------------------------------------------
# 11. Buffers of the HTTP exchange that held secrets are zeroed before they are freed

_FREE_WATCH = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reports every freed heap block that still begins with a secret-bearing text of the HTTP exchange:
   an STS response document (the shim's body buffer) or a signed header line (libcurl's and the
   transport's copies). Swift's own arrays and strings never begin at the start of a heap block. */
static const char *const watched[] = {
    "<GetSessionTokenResponse", "<AssumeRoleResponse", "X-Amz-Security-Token:", "Authorization: AWS4", 0};
static void (*real_free)(void *);
static int resolving;

void free(void *block) {
    if (!real_free) {
        if (resolving) return; /* dlsym's own frees, before the real free is known: leak them */
        resolving = 1;
        real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
        resolving = 0;
    }
    if (block) {
        size_t size = malloc_usable_size(block);
        for (const char *const *text = watched; *text; text++) {
            size_t length = strlen(*text);
            if (size >= length && memcmp(block, *text, length) == 0) {
                const char *report = getenv("FREE_WATCH_REPORT");
                int fd = report ? open(report, O_WRONLY | O_APPEND | O_CREAT, 0600) : -1;
                if (fd >= 0) {
                    write(fd, *text, length);
                    write(fd, "\n", 1);
                    close(fd);
                }
            }
        }
    }
    real_free(block);
}
"""


@pytest.fixture(scope="module")
def free_watch(tmp_path_factory):
    d = tmp_path_factory.mktemp("free-watch")
    (d / "watch.c").write_text(_FREE_WATCH)
    compiler = shutil.which("cc") or shutil.which("clang")
    assert compiler, "a C compiler (cc or clang) is needed to build the free() watch"
    r = subprocess.run([compiler, "-shared", "-fPIC", "-O1", "-o", str(d / "watch.so"), str(d / "watch.c"), "-ldl"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return d / "watch.so"


def test_freed_http_buffers_hold_no_credentials(world, free_watch, tmp_path):
    # The watch itself works: a block freed with such a text in it is reported.
    report = tmp_path / "control-report"
    probe = "import ctypes; c = ctypes.CDLL(None); c.strdup.restype = ctypes.c_void_p; " \
            "c.free(ctypes.c_void_p(c.strdup(b'<AssumeRoleResponse xmlns=')))"
    subprocess.run(["/usr/bin/python3", "-c", probe], check=True, timeout=30,
                   env={"LD_PRELOAD": str(free_watch), "FREE_WATCH_REPORT": str(report)})
    assert "<AssumeRoleResponse" in report.read_text()

    # An MFA session, then a role assumed with it: both answers carry credentials, the second request a
    # session token.
    role = h.fresh_profile("role")
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('zero')}\nsource_profile = {world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_process = {world.mfa_script()}\n"
    )
    report = tmp_path / "report"
    env = h.env_with(world.env, LD_PRELOAD=free_watch, FREE_WATCH_REPORT=report)
    world.assert_issued(h.credential_document(h.tool(["--profile", role], env)), "role")
    assert len(world.fake.actions("GetSessionToken")) == 1 and len(_assume_roles(world)) == 1
    freed = report.read_text().split() if report.exists() else []
    assert freed == [], f"freed without being zeroed: {freed}"


# ---------------------------------------------------------------------------------------------------
# 5. Not dumpable: no core file, no /proc/PID/mem for the user's other processes


def _wait_for_pid_file(path: Path, timeout=20) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"{path} was never written")


def _stop_helper_and_mfa_process(helper: subprocess.Popen, pid_file: Path) -> None:
    """Kills the helper's process group and the mfa_process's (its own, or the helper's)."""
    groups = [helper.pid]
    with contextlib.suppress(FileNotFoundError, ValueError):
        groups.append(int(pid_file.read_text()))
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    helper.communicate(timeout=10)


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_no_core_file_while_waiting_for_mfa_process(world, tmp_path):
    """The scenario of the report: `ulimit -c unlimited`, SIGABRT while the helper waits for
    mfa_process with the long-lived keys in memory. As root (CI) ptrace and /proc checks let root
    through anyway, so this test asserts what holds for root too: the kernel's view of the process
    (its core size limit, its dumpable flag through the owner of /proc/PID/mem when not root) and that
    no core file is written where the kernel's core_pattern would put it."""
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    role = h.fresh_profile("role")
    pid_file = world.dir / "mfa.pid"
    world.write_config(
        f"[profile {role}]\nrole_arn = {role_arn('core')}\nsource_profile = {world.base}\n"
        f"mfa_serial = {SERIAL}\nmfa_process = echo $$ > {shlex.quote(str(pid_file))}; sleep 60\n"
    )
    # A debug build's Swift runtime would start its crash backtracer on SIGABRT and take over a minute
    # to die; the release binary, linked statically, has none.
    env = h.env_with(world.env, SWIFT_BACKTRACE="enable=no")
    helper = subprocess.Popen(
        ["sh", "-c", 'ulimit -c unlimited && exec "$@"', "sh", h.helper_bin(), "--profile", role],
        env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        shell = _wait_for_pid_file(pid_file)  # the `sh -c` of mfa_process; its parent is the helper
        pid = _parent_of(shell)
        assert pid == helper.pid
        limits = Path(f"/proc/{pid}/limits").read_text()
        core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
        assert core.split()[4] == "0", f"the waiting helper may still write a core file: {core}"
        os.kill(pid, signal.SIGABRT)
        helper.communicate(timeout=20)
    finally:
        _stop_helper_and_mfa_process(helper, pid_file)
    assert helper.returncode == -signal.SIGABRT
    if not pattern.startswith("|"):
        cores = [p.name for p in workdir.iterdir()] + [p.name for p in Path(pattern).parent.glob("core*")
                                                      if pattern.startswith("/")]
        assert cores == [], f"a core file was written (core_pattern {pattern!r}): {cores}"


def test_exec_gives_the_command_the_core_limit_the_person_had(env):
    """The helper gives up core files for itself only: a command it becomes keeps the person's limit."""
    profile = h.fresh_profile("exec")
    key_id, secret = h.new_keys()
    assert h.store_from_env(env, profile, key_id, secret).rc == 0
    r = h.run(["sh", "-c", 'ulimit -c unlimited && exec "$@"', "sh", h.helper_bin(), "exec", "--profile", profile,
               "--", "sh", "-c", "ulimit -c"], env)
    assert r.rc == 0 and r.stdout.strip() == "unlimited", r.describe()


# The same as another user, where the kernel's checks apply as they do on a person's machine.

NOBODY = pwd.getpwnam("nobody")


def _as_nobody():
    os.setgroups([])
    os.setgid(NOBODY.pw_gid)
    os.setuid(NOBODY.pw_uid)


class _NobodySession:
    """A HOME, a D-Bus session bus and an unlocked gnome-keyring-daemon, all belonging to `nobody`, and
    a copy of the binary it can run."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="awskeyring-e2e-nobody-"))
        self.root.chmod(0o755)
        self.procs: list[subprocess.Popen] = []
        home, runtime = self.root / "home", self.root / "run"
        for d in (home, home / ".aws", runtime, self.root / "data", self.root / "config", self.root / "bus"):
            d.mkdir(parents=True)
        self.binary = h.copy_programs(self.root, copier=shutil.copy)
        for path in [self.root, *self.root.rglob("*")]:
            os.chown(path, NOBODY.pw_uid, NOBODY.pw_gid)
        for d in (runtime, self.root / "bus"):
            d.chmod(0o700)
        self.env = h.base_env(home, runtime, self.root / "data", self.root / "config")
        self.env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        conf = self.root / "session.conf"
        conf.write_text(h.bus_config(self.root / "bus" / "bus"))
        bus = self.spawn(["dbus-daemon", f"--config-file={conf}", "--nofork", "--nopidfile", "--print-address=1"],
                         stdout=subprocess.PIPE)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        keyring = self.spawn(["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                             stdin=subprocess.PIPE)
        keyring.stdin.write(b"e2e-nobody-password")
        keyring.stdin.close()

    def spawn(self, argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, **kwargs):
        proc = subprocess.Popen(argv, env=self.env, stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL,
                                preexec_fn=_as_nobody, start_new_session=True, cwd=self.root, **kwargs)
        self.procs.append(proc)
        return proc

    def run(self, argv, env, timeout=30):
        return subprocess.run(argv, env=env, preexec_fn=_as_nobody, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, cwd=self.root)

    def stop(self):
        for proc in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def test_proc_pid_mem_of_a_waiting_helper_is_closed_to_the_users_other_processes():
    session = _NobodySession()
    try:
        base, role = h.fresh_profile("base"), h.fresh_profile("role")
        key_id, secret = h.new_keys()
        pid_file = session.root / "home" / "mfa.pid"
        config = Path(session.env["AWS_CONFIG_FILE"])
        config.write_text(
            f"[profile {role}]\nrole_arn = {role_arn('mem')}\nsource_profile = {base}\n"
            f"mfa_serial = {SERIAL}\nmfa_process = echo $$ > {shlex.quote(str(pid_file))}; sleep 60\n"
        )
        os.chown(config, NOBODY.pw_uid, NOBODY.pw_gid)
        store_env = h.env_with(session.env, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret)
        deadline = time.monotonic() + 20
        while True:  # until the keyring daemon owns its name on the bus
            r = session.run([session.binary, "store", "--profile", base, "--from-env"], store_env)
            if r.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert r.returncode == 0, r.stderr

        helper = session.spawn([session.binary, "--profile", role],
                               stdout=subprocess.PIPE)
        pid = _parent_of(_wait_for_pid_file(pid_file))
        assert pid == helper.pid
        uid_line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                        if line.startswith("Uid:"))
        assert uid_line.split()[1:] == [str(NOBODY.pw_uid)] * 4, uid_line  # it runs as nobody...
        # ...yet its memory files belong to root: the kernel's mark of a process that is not dumpable.
        assert os.stat(f"/proc/{pid}/mem").st_uid == 0, "the helper is dumpable"
        probe = (
            "import sys\n"
            "for name in ('mem', 'environ'):\n"
            "    try:\n"
            f"        open('/proc/{pid}/' + name, 'rb').read(1)\n"
            "        print(name, 'readable')\n"
            "    except PermissionError:\n"
            "        print(name, 'denied')\n"
        )
        r = session.run(["/usr/bin/python3", "-c", probe], session.env)
        assert r.stdout.split("\n")[:2] == ["mem denied", "environ denied"], r.stdout + r.stderr
        _stop_helper_and_mfa_process(helper, pid_file)
    finally:
        session.stop()
