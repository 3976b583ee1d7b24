"""Secret hygiene: a whole scenario (store, long-lived keys, a role, an MFA session through mfa_process, a
credential_process source, exec and env, list, explain, clear, remove, and failures) run in a private
session of its own with every helper traced by strace (execve of every process it starts).

Secrets legitimately appear on the stdout of the credential call and of `env`, and in the environment of
`exec`'s command. Nowhere else:
  - in no command line of any process the helper starts (mfa_process, credential_process, exec's command);
  - in no file under the session's HOME, XDG runtime/data/config dirs, or the test's temporary dirs;
  - in nothing printed on stderr (e2e_helpers.run checks every call against KNOWN_SECRETS, which holds
    every long-lived secret the scenario stores and every secret and session token the fake STS issued).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_success, env_with
from fake_sts import REGION, SERIAL, FakeSTS, role_arn

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")


class Scenario:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.session = h.PrivateSession(tmp_path / "session")
        self.fake = FakeSTS()
        self.traces = tmp_path / "traces"
        self.traces.mkdir()
        self.scratch = tmp_path / "scratch"  # TMPDIR of every process
        self.scratch.mkdir()
        self.calls = 0
        self.config = self.session.home / ".aws" / "config"
        self.env = env_with(
            self.session.env,
            AWS_ENDPOINT_URL=self.fake.url,
            AWS_DEFAULT_REGION=REGION,
            TMPDIR=self.scratch,
            AWS_PAGER="",
        )
        # Every secret and token of this scenario, to look for (KNOWN_SECRETS also has other tests').
        self.secrets: set[str] = set()

    def close(self):
        self.fake.stop()
        self.session.stop()

    def helper(self, *args, env=None, input=None, timeout=60) -> h.Result:
        """The helper under strace: every execve of it and of its descendants, argv up to 4096 bytes."""
        self.calls += 1
        trace = self.traces / f"{self.calls:03d}.trace"
        argv = ["strace", "-f", "-qq", "-e", "trace=execve", "-s", "4096", "-o", str(trace), h.helper_bin(), *args]
        result = h.run(argv, env or self.env, input=input, timeout=timeout)
        assert "Fatal error" not in result.stderr, result.describe()
        self.collect_issued()
        return result

    def collect_issued(self):
        with self.fake._lock:
            identities = list(self.fake.keys.values())
        for ident in identities:
            self.secrets.add(ident.secret)
            if ident.token:
                self.secrets.add(ident.token)
                h.KNOWN_SECRETS.add(ident.token)
            h.KNOWN_SECRETS.add(ident.secret)

    def execs(self) -> list[tuple[str, list[str]]]:
        """(pid, argv) of every execve the traces recorded."""
        found = []
        pattern = re.compile(r'^(\d+)\s+execve\("((?:[^"\\]|\\.)*)", \[(.*?)\], ')
        for trace in sorted(self.traces.glob("*.trace")):
            for line in trace.read_text(errors="replace").splitlines():
                m = pattern.match(line)
                if m:
                    found.append((m.group(1), re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(3))))
        return found


@pytest.fixture
def scenario(tmp_path):
    s = Scenario(tmp_path)
    yield s
    s.close()


def _variants(secret: str) -> list[bytes]:
    return [v.encode() for v in h.secret_variants(secret)]


def _files_under(*roots: Path):
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in filenames:
                path = Path(dirpath) / name
                if path.is_symlink() or not path.is_file():
                    continue  # sockets, FIFOs
                yield path


def test_no_secret_outside_stdout_and_execs_environment(scenario):
    s = scenario
    env = s.env

    # Long-lived keys: stored, read back, refused without --force, malformed.
    base = h.fresh_profile("hyg-base")
    base_id, base_secret = h.new_keys()
    s.fake.add_user(base_id, base_secret, user_name=base, mfa_serial=SERIAL)
    s.secrets.add(base_secret)
    assert_success(s.helper("store", "--profile", base, "--from-env",
                            env=env_with(env, AWS_ACCESS_KEY_ID=base_id, AWS_SECRET_ACCESS_KEY=base_secret)))
    other_id, other_secret = h.new_keys()
    s.secrets.add(other_secret)
    assert_clean_failure(s.helper("store", "--profile", base, "--from-env",
                                  env=env_with(env, AWS_ACCESS_KEY_ID=other_id, AWS_SECRET_ACCESS_KEY=other_secret)))
    assert_clean_failure(s.helper("store", "--profile", base, "--from-env", "--force",
                                  env=env_with(env, AWS_ACCESS_KEY_ID=other_id,
                                               AWS_SECRET_ACCESS_KEY=other_secret[:-3])))

    # A credential_process source whose own secret comes from a file only it reads.
    proc_id, proc_secret = h.new_keys()
    s.fake.add_user(proc_id, proc_secret, user_name="hyg-proc")
    s.secrets.add(proc_secret)
    secret_file = s.tmp / "proc-secret.json"
    secret_file.write_text(json.dumps({"Version": 1, "AccessKeyId": proc_id, "SecretAccessKey": proc_secret}))
    source_script = s.tmp / "creds.sh"
    source_script.write_text(f"#!/bin/sh\nexec cat {shlex.quote(str(secret_file))}\n")
    source_script.chmod(0o700)
    mfa_script = s.tmp / "mfa.sh"
    mfa_script.write_text(f"#!/bin/sh\necho {s.fake.valid_code}\n")
    mfa_script.chmod(0o700)

    role, mfa_role, proc_role, bad_role = (h.fresh_profile(p) for p in ("hyg-role", "hyg-mfa", "hyg-proc", "hyg-bad"))
    s.fake.allow_role_without_mfa(role_arn("plain"))
    s.fake.allow_role_without_mfa(role_arn("via-process"))
    s.config.write_text(
        f"[profile {base}]\nregion = {REGION}\n\n"
        f"[profile {role}]\nrole_arn = {role_arn('plain')}\nsource_profile = {base}\n\n"
        f"[profile {mfa_role}]\nrole_arn = {role_arn('mfa')}\nsource_profile = {base}\nmfa_serial = {SERIAL}\n"
        f"mfa_process = {mfa_script}\n\n"
        f"[profile hyg-src]\ncredential_process = {source_script}\n\n"
        f"[profile {proc_role}]\nrole_arn = {role_arn('via-process')}\nsource_profile = hyg-src\n\n"
        f"[profile {bad_role}]\nrole_arn = arn:aws:iam::123456789012:role/needs-mfa\nsource_profile = {base}\n"
    )

    documents = []
    for profile in (base, role, mfa_role, mfa_role, proc_role):  # the second mfa_role call is cached
        r = s.helper("--profile", profile)
        documents.append(h.credential_document(r))
        assert r.stderr == "", r.describe()
    assert documents[0]["SecretAccessKey"] == base_secret
    assert documents[2] == documents[3]
    assert len(s.fake.actions("GetSessionToken")) == 1

    # Refresh, explain, list, env in every format, exec.
    assert_success(s.helper("--profile", mfa_role, "--refresh"))
    for args in (["explain", "--profile", mfa_role], ["explain", "--profile", proc_role, "--json"], ["list"],
                 ["list", "--json"], ["doctor"]):
        r = s.helper(*args)
        assert r.rc in (0, 1), r.describe()
        h.assert_no_known_secret(r.stdout, f"the stdout of {args}")
    for fmt in ("sh", "fish", "json"):
        r = s.helper("env", "--profile", role, "--format", fmt)
        assert_success(r)
        assert "AWS_SECRET_ACCESS_KEY" in r.stdout
    r = s.helper("exec", "--profile", mfa_role, "--", "sh", "-c",
                 'test -n "$AWS_SECRET_ACCESS_KEY" && test -n "$AWS_SESSION_TOKEN"')
    assert_success(r)

    # Failures: a role STS refuses, a wrong MFA code, an unreachable STS, remove without --yes.
    assert_clean_failure(s.helper("--profile", bad_role))
    wrong = s.tmp / "wrong-mfa.sh"
    wrong.write_text("#!/bin/sh\necho 000000\n")
    wrong.chmod(0o700)
    s.config.write_text(s.config.read_text().replace(f"mfa_process = {mfa_script}", f"mfa_process = {wrong}"))
    assert_success(s.helper("clear"))
    assert_clean_failure(s.helper("--profile", mfa_role))
    assert_clean_failure(s.helper("--profile", role, env=env_with(env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{h.free_port()}")))
    assert_clean_failure(s.helper("remove", "--profile", base))
    assert_success(s.helper("clear", "--profile", base))
    assert_success(s.helper("remove", "--profile", base, "--yes"))
    assert_clean_failure(s.helper("--profile", role))

    s.collect_issued()
    secrets = set(s.secrets)
    assert len(secrets) >= 10, "the scenario handled long-lived secrets, session secrets and tokens"

    # 1. No command line of anything the helper started holds a secret.
    execs = s.execs()
    programs = {os.path.basename(argv[0]) for _, argv in execs if argv}
    assert {"awskeyring-helper", "sh"} <= programs, programs  # the helper, mfa_process, exec's command
    assert any(str(source_script) in argv for _, argv in execs), "the credential_process ran"
    for pid, argv in execs:
        text = "\0".join(argv)
        for secret in secrets:
            for variant in h.secret_variants(secret):
                assert variant not in text, f"a secret in the command line of pid {pid}: {argv}"

    # 2. No file the session or the test made holds one, except the file the test itself wrote for its
    #    credential_process (that is the user's own secret store, not the helper's).
    roots = [s.session.root, s.tmp, Path(f"/tmp/awskeyring-helper-{os.getuid()}")]
    checked = 0
    for path in _files_under(*[r for r in roots if r.exists()]):
        if path == secret_file:
            continue
        data = path.read_bytes()
        checked += 1
        for secret in secrets:
            for variant in _variants(secret):
                assert variant not in data, f"a secret in {path}"
    assert checked >= 5, checked
    keyrings = list((s.session.data / "keyrings").glob("*.keyring"))
    assert keyrings, "the keyring file was written (encrypted) and was checked"
