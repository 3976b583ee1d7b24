"""`exec --server`: a credentials endpoint on 127.0.0.1 for a long-running command.

Real parts: boto3 in the child process finds the endpoint through AWS_CONTAINER_CREDENTIALS_FULL_URI (the
container credential provider) and calls a moto_server of this module's own that checks SigV4 signatures
and IAM policies, so only real credentials from the endpoint get through. Also: the token (wrong or
missing: 401; never in any command line), the port closing with the command, exit statuses, signals,
refresh of a short role session, and the `exec` option errors and help.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import urllib.request
from dataclasses import dataclass

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, env_with, store_from_env
from moto_role import moto_with_role



@pytest.fixture(scope="module")
def moto_srv(tmp_path_factory):
    yield from moto_with_role(tmp_path_factory.mktemp("moto-server"))


@pytest.fixture
def server_env(write_configs, moto_srv):
    """(env, base profile with stored keys, role profile on it, role profile with duration_seconds = 900)."""
    base, role, short = h.fresh_profile("srvbase"), h.fresh_profile("srvrole"), h.fresh_profile("srvshort")
    e = write_configs(config=(
        f"[profile {base}]\nregion = eu-central-1\n\n"
        f"[profile {role}]\nrole_arn = {moto_srv.role_arn}\nsource_profile = {base}\nregion = eu-central-1\n\n"
        f"[profile {short}]\nrole_arn = {moto_srv.role_arn}\nsource_profile = {base}\nduration_seconds = 900\nregion = eu-central-1\n"
    ))
    e = env_with(e, AWS_ENDPOINT_URL_STS=moto_srv.url, AWS_PROFILE=None, AWS_DEFAULT_REGION=None,
                 AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    r = store_from_env(e, base, moto_srv.access_key_id, moto_srv.secret_access_key)
    assert r.rc == 0, r.describe()
    return e, base, role, short


def python_child(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def serve(env, profile, child, timeout=90) -> h.Result:
    return h.run([h.helper_bin(), "exec", "--server", "--profile", profile, "--", *child], env, timeout=timeout)


BOTO3_CHILD = """
    import json, os, boto3
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    out = {"names": sorted(env), "url": env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
           "token_length": len(env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN", "")), "calls": []}
    for _ in range(2):
        # A new session each time: each fetches its credentials from the endpoint again.
        session = boto3.session.Session()
        credentials = session.get_credentials()
        arn = session.client("sts").get_caller_identity()["Arn"]
        out["calls"].append({"method": credentials.method, "arn": arn, "key": credentials.access_key})
    print(json.dumps(out))
"""


def test_a_boto3_child_calls_sts_twice_through_the_endpoint(server_env, moto_srv):
    e, base, role, _ = server_env
    e = env_with(e, AWS_PROFILE="somewhere-else", AWS_SESSION_TOKEN="stale", AWS_SECURITY_TOKEN="stale",
                 AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/stale", AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="/nonexistent")
    r = serve(e, role, python_child(BOTO3_CHILD))
    assert r.rc == 0, r.describe()
    out = json.loads(r.stdout)
    for static in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                   "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"):
        assert static not in out["names"], f"{static} must not reach the command: {out['names']}"
    assert out["url"].startswith("http://127.0.0.1:"), out["url"]
    assert out["token_length"] == 64
    assert len(out["calls"]) == 2
    for call in out["calls"]:
        assert call["method"] == "container-role", call
        assert ":assumed-role/e2e-server-role/" in call["arn"], call
        assert call["key"].startswith("ASIA"), call
    # The role session is cached: both calls got the same one.
    assert out["calls"][0]["key"] == out["calls"][1]["key"]
    assert "AWS_REGION" in out["names"] and "AWS_DEFAULT_REGION" in out["names"]


def test_plain_keys_are_served_too(server_env, moto_srv):
    e, base, _, _ = server_env
    r = serve(e, base, python_child(BOTO3_CHILD))
    assert r.rc == 0, r.describe()
    out = json.loads(r.stdout)
    assert [c["arn"] for c in out["calls"]] == [moto_srv.user_arn] * 2
    assert all(c["method"] == "container-role" and c["key"] == moto_srv.access_key_id for c in out["calls"])


PROBE_CHILD = """
    import contextlib, json, os, urllib.request, urllib.error
    url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    # No socket of the helper's (its listening socket above all) may leak into the command.
    sockets = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                sockets.append(fd)
    def status(headers, method="GET"):
        request = urllib.request.Request(url, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, None
    out = {"url": url, "inherited_sockets": sockets}
    out["missing"] = status({})[0]
    out["wrong"] = status({"Authorization": "0" * 64})[0]
    out["prefix"] = status({"Authorization": token[:-1]})[0]
    out["post"] = status({"Authorization": token}, method="POST")[0]
    out["ok"], out["doc"] = status({"Authorization": token})
    out["ok2"], out["doc2"] = status({"Authorization": token})
    # Every process's command line, read while the helper and this child run.
    seen = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if token.encode() in f.read():
                        seen.append(pid)
            except OSError:
                pass
    out["token_in_cmdline"] = seen
    print(json.dumps(out))
"""


def test_the_token_is_checked_never_in_argv_and_the_port_closes(server_env):
    e, _, role, _ = server_env
    r = serve(e, role, python_child(PROBE_CHILD))
    assert r.rc == 0, r.describe()
    out = json.loads(r.stdout)
    assert (out["missing"], out["wrong"], out["prefix"]) == (401, 401, 401), out
    assert out["post"] == 405
    assert out["ok"] == 200 and out["ok2"] == 200
    doc = out["doc"]
    assert set(doc) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}, doc
    assert doc["AccessKeyId"].startswith("ASIA") and doc["Token"]
    assert doc["Expiration"].endswith("Z") and len(doc["Expiration"]) == 20
    assert out["token_in_cmdline"] == []
    assert out["inherited_sockets"] == []
    assert r.stderr == ""
    port = int(out["url"].rsplit(":", 1)[1].strip("/"))
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_a_short_role_session_is_renewed_on_the_next_request(server_env):
    """duration_seconds = 900 leaves less than the 15 minutes SDKs want, so each request assumes anew."""
    _, _, _, short = server_env
    e = server_env[0]
    r = serve(e, short, python_child(PROBE_CHILD))
    assert r.rc == 0, r.describe()
    out = json.loads(r.stdout)
    assert out["doc"]["AccessKeyId"] != out["doc2"]["AccessKeyId"], out


def test_the_command_exit_status_comes_back(server_env):
    e, _, role, _ = server_env
    assert serve(e, role, ["sh", "-c", "exit 7"]).rc == 7
    assert serve(e, role, ["sh", "-c", "exit 0"]).rc == 0
    # Killed by a signal: 128 + N, as shells report it.
    assert serve(e, role, ["sh", "-c", "kill -TERM $$"]).rc == 128 + signal.SIGTERM
    r = serve(e, role, ["no-such-command-e2e"])
    assert r.rc == 127
    assert_clean_failure(r, mentions=["no-such-command-e2e", "not found"])


def test_signals_sent_to_the_helper_reach_the_command(server_env, tmp_path):
    e, _, role, _ = server_env
    marker = tmp_path / "got"
    script = (f'trap "echo term > {marker}; exit 42" TERM; trap "echo hup >> {marker}" HUP; '
              'echo ready; while :; do sleep 0.1; done')
    proc = subprocess.Popen([h.helper_bin(), "exec", "--server", "--profile", role, "--", "sh", "-c", script],
                            env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        with open(f"/proc/{proc.pid}/comm") as f:
            assert f.read().strip() == "awskeyring-help", "the helper stays the command's parent"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 42
        assert marker.read_text().strip() == "term"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def test_failures_before_the_command_starts(server_env, tmp_path):
    e, _, _, _ = server_env
    missing = h.fresh_profile("nokeys")
    ran = tmp_path / "ran"
    r = h.run([h.helper_bin(), "exec", "--server", "--profile", missing, "--", "touch", ran], e)
    assert_clean_failure(r, mentions=[f"awskeyring-helper store --profile {missing}"])
    assert not ran.exists()


def test_exec_help_and_unknown_options(server_env):
    e, _, _, _ = server_env
    missing = h.fresh_profile("nokeys")
    for args in (["exec", "--help"], ["exec", "--server", "--help"], ["exec", "--profile", missing, "--help"],
                 ["exec", "-h"]):
        r = h.tool(args, e)
        assert r.rc == 0, r.describe()
        assert "--server" in r.stdout and "USAGE" in r.stdout.upper(), r.describe()
    r = h.tool(["exec", "--bogus", "--profile", missing, "--", "true"], e)
    assert_clean_failure(r, mentions=["'--bogus'"])
    # After --, everything is the command's, --help included.
    base = server_env[1]
    r = h.tool(["exec", "--profile", base, "--", "sh", "-c", 'echo "$@"', "sh", "--help"], e)
    assert r.rc == 0 and r.stdout.strip() == "--help", r.describe()


COUNT_INTERRUPTS = """
    import signal, time
    count = 0
    def interrupted(signum, frame):
        global count
        count += 1
    signal.signal(signal.SIGINT, interrupted)
    print("ready", flush=True)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        time.sleep(0.1)
    print(f"interrupts={count}", flush=True)
"""


def test_ctrl_c_on_the_terminal_reaches_the_command_and_the_helper_waits_for_it(server_env):
    """The terminal sends Ctrl-C's SIGINT to the whole foreground process group: the command handles it
    and goes on, and the helper neither dies of it nor closes the endpoint before the command ends."""
    e, _, role, _ = server_env
    pty = h.Pty(["exec", "--server", "--profile", role, "--", *python_child(COUNT_INTERRUPTS)], e, timeout=30)
    try:
        pty.expect_exact("ready")
        pty.child.sendintr()
        pty.expect_exact("interrupts=")
        pty.expect_exact("\n")
        assert int(pty.child.before.strip()) >= 1
        assert pty.finish() == 0
    finally:
        pty.close()


ONE_REQUEST = """
    import json, os, urllib.request
    request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                                     headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
    with urllib.request.urlopen(request, timeout=60) as response:
        print("served", json.loads(response.read())["AccessKeyId"], flush=True)
"""


def test_a_renewal_that_needs_an_mfa_code_asks_on_the_terminal(server_env, moto_srv, write_configs):
    """A role assumed with an MFA code each time (mfa_with_assume_role) for 900 seconds: the code is asked
    before the command starts, and again on the terminal when the command's request needs a new session."""
    e, base, _, _ = server_env
    mfa = h.fresh_profile("srvmfa")
    config = open(e["AWS_CONFIG_FILE"]).read() + (
        f"\n[profile {mfa}]\nrole_arn = {moto_srv.role_arn}\nsource_profile = {base}\nduration_seconds = 900\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/e2e\nmfa_with_assume_role = true\nregion = eu-central-1\n")
    with open(e["AWS_CONFIG_FILE"], "w") as f:
        f.write(config)
    pty = h.Pty(["exec", "--server", "--profile", mfa, "--", *python_child(ONE_REQUEST)], e, timeout=60)
    try:
        prompts = 0
        while True:
            index = pty.child.expect_exact(["Enter MFA code for arn:aws:iam::123456789012:mfa/e2e: ", "served "])
            if index == 1:
                break
            prompts += 1
            pty.sendline("123456")
        pty.expect_exact("\n")
        assert pty.child.before.strip().startswith("ASIA")
        # Once before the command starts, once for the command's request (nothing cached lasts 15 minutes).
        assert prompts == 2, pty.transcript
        assert pty.finish() == 0
    finally:
        pty.close()


def test_a_hand_over_typed_by_hand_is_refused_with_the_commands_to_use(server_env, tmp_path):
    e, _, role, _ = server_env
    ran = tmp_path / "ran"
    for arguments in (["--serve-handed-over", "exec", "--profile", role, "--"],
                      ["--serve-handed-over", "exec", "--server", "--profile", role, "--", "touch", ran],
                      ["--serve-handed-over", "login", "--profile", role]):
        r = h.tool(arguments, e)
        assert_clean_failure(r, mentions=["awskeyring-helper exec --server", "awskeyring-helper login"])
    assert not ran.exists()


def test_an_installation_serves_from_the_commands_program_in_libexec(server_env, tmp_path):
    """As scripts/install.sh and the package lay it out: PREFIX/bin and PREFIX/libexec/awskeyring-helper."""
    e, _, role, _ = server_env
    (tmp_path / "bin").mkdir()
    (tmp_path / "libexec" / "awskeyring-helper").mkdir(parents=True)
    helper = tmp_path / "bin" / "awskeyring-helper"
    shutil.copy(h.helper_bin(), helper)
    shutil.copy(h.companion_bin(h.COMMANDS_PROGRAM), tmp_path / "libexec" / "awskeyring-helper" / h.COMMANDS_PROGRAM)
    r = h.run([helper, "exec", "--server", "--profile", role, "--", "sh", "-c",
               'test -n "$AWS_CONTAINER_CREDENTIALS_FULL_URI" && exit 5'], e)
    assert r.rc == 5, r.describe()
