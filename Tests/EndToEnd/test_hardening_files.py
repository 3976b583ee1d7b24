"""Hardening of what the tool leaves on disk and in IAM:

- `import --remove-from-file` through a symbolic link rewrites the file the link points to and keeps the
  link; a hard-linked file is refused with nothing changed;
- the backup import writes is announced as plain text with the command that deletes it, can be skipped
  (`--no-backup`), and `doctor` reports leftover backups that hold keys;
- the lock directory is never a predictable name in /tmp: without a private XDG_RUNTIME_DIR it lives in
  the user's cache directory, created 0700 and refused when open to others;
- `rotate` moves every profile holding the rotated key to the new one, and refuses to start while the IAM
  user has a spare key, which `doctor` reports too (bounded, only for stored keys).

Real parts only: the private keyring session, moto with signature checks for IAM and STS, the AWS CLI.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_success, env_with, store_from_env, tool


@pytest.fixture
def own_session(tmp_path):
    """A keyring session of this test's own: doctor looks at every stored key, so the shared keyring
    (holding other tests' keys) would make its answers depend on them."""
    session = h.PrivateSession(tmp_path / "own")
    try:
        yield session
    finally:
        session.stop()


def _key_file(profile, key_id, secret, extra=""):
    return f"[{profile}]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n{extra}"


def _backups(directory):
    return sorted(n for n in os.listdir(directory) if n.startswith("credentials.bak-"))


# ---------------------------------------------------------------------------------------------------
# 1: symbolic and hard links


def test_import_through_a_symlink_rewrites_the_target_and_keeps_the_link(write_configs, tmp_path):
    p = h.fresh_profile("link")
    key_id, secret = h.new_keys()
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "credentials"
    target.write_text(_key_file(p, key_id, secret, "region = eu-west-1\n"))
    os.chmod(target, 0o640)
    e = write_configs(config="")
    link = e["AWS_SHARED_CREDENTIALS_FILE"]
    os.symlink(target, link)

    r = tool(["import", "--remove-from-file"], e)
    assert_success(r)
    assert f"Removed the keys of '{p}'" in r.stderr and str(target) in r.stderr, r.describe()
    assert os.path.islink(link) and os.readlink(link) == str(target), "the link must be kept"
    assert target.read_text() == f"[{p}]\nregion = eu-west-1\n"
    assert secret not in target.read_text() and key_id not in target.read_text()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert [n for n in os.listdir(dotfiles) if n != "credentials"] == [], "no temporary file left beside the target"
    h.assert_keys(e, p, key_id, secret)
    # The backup sits beside the name that was given, private.
    backups = _backups(os.path.dirname(link))
    assert len(backups) == 1, backups
    assert stat.S_IMODE(os.stat(os.path.join(os.path.dirname(link), backups[0])).st_mode) == 0o600


def test_import_refuses_a_hard_linked_file_and_changes_nothing(write_configs, tmp_path):
    p = h.fresh_profile("hard")
    key_id, secret = h.new_keys()
    content = _key_file(p, key_id, secret)
    e = write_configs(config="", credentials=content)
    path = e["AWS_SHARED_CREDENTIALS_FILE"]
    other = tmp_path / "another-name"
    os.link(path, other)

    r = tool(["import", "--remove-from-file"], e)
    assert_clean_failure(r, mentions=["hard links", "not rewritten", "keyring"])
    assert "Removed the keys" not in r.stderr, r.describe()
    assert open(path).read() == content and other.read_text() == content
    assert os.stat(path).st_ino == os.stat(other).st_ino, "the file must be left as it was"
    assert _backups(os.path.dirname(path)) == []
    assert _stored_ids(e)[p] == key_id  # imported all the same, as the message says


# ---------------------------------------------------------------------------------------------------
# 2: the backup


def test_the_backup_is_announced_with_its_delete_command_and_doctor_reports_it(own_session, tmp_path):
    e = dict(own_session.env)
    p = h.fresh_profile("bak")
    key_id, secret = h.new_keys()
    aws_dir = own_session.home / ".aws"
    (aws_dir / "config").write_text(f"[profile {p}]\nregion = eu-west-1\n")
    (aws_dir / "credentials").write_text(_key_file(p, key_id, secret))

    r = tool(["import", "--remove-from-file"], e)
    assert_success(r)
    backups = _backups(aws_dir)
    assert len(backups) == 1, backups
    display = f"~/.aws/{backups[0]}"
    assert "plain text" in r.stderr and display in r.stderr, r.describe()
    commands = re.findall(r"rm (\S+)$", r.stderr, re.M)
    assert commands == [display], r.describe()

    r = tool(["doctor", "--offline"], e)
    assert_clean_failure(r, mentions=[f"problem backup {display}", f"'{p}'", "plain text", f"rm {display}"])
    assert "the keyring holds these keys" in r.stderr, r.describe()

    # The command printed works as printed, in a shell with this HOME.
    assert_success(h.run(["sh", "-c", f"rm {commands[0]}"], e))
    assert _backups(aws_dir) == []
    r = tool(["doctor", "--offline"], e)
    assert r.rc == 0 and "backup ~" not in r.stderr, r.describe()


def test_doctor_says_when_a_backup_holds_keys_the_keyring_lacks(own_session):
    e = dict(own_session.env)
    p = h.fresh_profile("bak")
    key_id, secret = h.new_keys()
    aws_dir = own_session.home / ".aws"
    (aws_dir / "config").write_text("")
    (aws_dir / "credentials").write_text("")
    (aws_dir / "credentials.bak-20261201T101010Z").write_text(_key_file(p, key_id, secret))
    (aws_dir / "credentials.bak-notastamp").write_text(_key_file(p, key_id, secret))
    (aws_dir / "credentials.bak-20261201T101011Z").write_text("[x]\nregion = eu-west-1\n")

    r = tool(["doctor", "--offline"], e)
    assert_clean_failure(r, mentions=["problem backup ~/.aws/credentials.bak-20261201T101010Z",
                                      "import --credentials-file ~/.aws/credentials.bak-20261201T101010Z",
                                      "rm ~/.aws/credentials.bak-20261201T101010Z"])
    assert "notastamp" not in r.stderr and "101011Z" not in r.stderr, r.describe()


def test_import_without_a_backup(write_configs):
    p = h.fresh_profile("nobak")
    key_id, secret = h.new_keys()
    e = write_configs(config="", credentials=_key_file(p, key_id, secret))
    path = e["AWS_SHARED_CREDENTIALS_FILE"]

    assert_clean_failure(tool(["import", "--no-backup"], e), mentions=["--remove-from-file"])
    r = tool(["import", "--remove-from-file", "--no-backup"], e)
    assert_success(r)
    assert "No backup" in r.stderr and "rm " not in r.stderr, r.describe()
    assert open(path).read() == f"[{p}]\n"
    assert _backups(os.path.dirname(path)) == []
    h.assert_keys(e, p, key_id, secret)


# ---------------------------------------------------------------------------------------------------
# 7: the lock directory


@pytest.fixture
def role_setup(rotation_moto, write_configs, tmp_path):
    """A role profile whose credentials need an AssumeRole (and so the lock) in moto, and the
    environment to call it with."""
    import boto3

    m = rotation_moto
    iam = boto3.client("iam", endpoint_url=m.url, region_name="us-east-1", aws_access_key_id=m.access_key_id,
                       aws_secret_access_key=m.secret_access_key)
    trust = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    role_arn = iam.create_role(RoleName="lockdir", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    base, role = h.fresh_profile("base"), h.fresh_profile("role")
    e = write_configs(config=f"[profile {base}]\nregion = us-east-1\n"
                             f"[profile {role}]\nrole_arn = {role_arn}\nsource_profile = {base}\n")
    e = env_with(e, AWS_ENDPOINT_URL=m.url, AWS_PROFILE=None, AWS_REGION=None, AWS_DEFAULT_REGION=None)
    assert_success(store_from_env(e, base, m.access_key_id, m.secret_access_key))
    cache = tmp_path / "cache"
    return env_with(e, XDG_CACHE_HOME=cache), role, cache


def _assume(env, role):
    doc = h.credential_document(tool(["--profile", role, "--refresh"], env, timeout=60))
    assert doc["AccessKeyId"].startswith("ASIA") and doc.get("SessionToken"), doc
    return doc


def _private_dir(path):
    info = os.lstat(path)
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) == 0o700


def test_without_xdg_runtime_dir_the_lock_lives_in_the_cache_directory(role_setup, tmp_path_factory):
    """Another user created /tmp/awskeyring-helper-UID, mode 777, first. In a private mount namespace
    whose /tmp is fresh (so the machine's /tmp is never touched), the role call still works and leaves
    its lock file in $XDG_CACHE_HOME/awskeyring-helper."""
    e, role, cache = role_setup
    e = env_with(e, XDG_RUNTIME_DIR=None)
    keep = str(tmp_path_factory.getbasetemp())
    # Only `keep` survives the fresh /tmp: the helper runs from a copy there, wherever it was built.
    helper = h.copy_programs(tmp_path_factory.mktemp("bin"))
    squatted = f"/tmp/awskeyring-helper-{os.getuid()}"
    script = """
        set -e
        keep="$1"; shift
        case "$keep" in /tmp/*) mount --bind "$keep" /mnt ;; esac
        mount -t tmpfs -o mode=1777 e2e-private-tmp /tmp
        case "$keep" in /tmp/*) mkdir -p "$keep"; mount --move /mnt "$keep" ;; esac
        mkdir -m 0777 "$SQUATTED"
        chmod 0777 "$SQUATTED"
        chown 65534:65534 "$SQUATTED"
        "$@"
        stat -c 'squatted %a %u' "$SQUATTED"
        ls -A "$SQUATTED" | sed 's/^/inside /'
    """
    r = h.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", keep,
               str(helper), "--profile", role], env_with(e, SQUATTED=squatted), timeout=60)
    assert r.rc == 0, "the role call must work whoever owns /tmp/awskeyring-helper-UID\n" + r.describe()
    lines = r.stdout.splitlines()
    doc = json.loads(lines[0])
    assert doc["AccessKeyId"].startswith("ASIA"), r.describe()
    assert lines[1:] == ["squatted 777 65534"], "nothing may be written into the squatted directory\n" + r.describe()
    lock_dir = cache / "awskeyring-helper"
    assert _private_dir(lock_dir), oct(os.lstat(lock_dir).st_mode)
    assert any(n.endswith(".lock") for n in os.listdir(lock_dir))


def test_a_shared_xdg_runtime_dir_is_not_used(role_setup, tmp_path):
    e, role, cache = role_setup
    shared = tmp_path / "shared-runtime"
    shared.mkdir()
    shared.chmod(0o1777)
    _assume(env_with(e, XDG_RUNTIME_DIR=shared), role)
    assert os.listdir(shared) == [], "a runtime directory open to others must not be used"
    assert _private_dir(cache / "awskeyring-helper")
    # A private one is.
    private = tmp_path / "private-runtime"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    _assume(env_with(e, XDG_RUNTIME_DIR=private), role)
    assert _private_dir(private / "awskeyring-helper")


@pytest.mark.parametrize("mode", [0o777, 0o755])
def test_a_lock_directory_open_to_others_is_refused(role_setup, mode):
    e, role, cache = role_setup
    e = env_with(e, XDG_RUNTIME_DIR=None)
    lock_dir = cache / "awskeyring-helper"
    lock_dir.mkdir(parents=True)
    lock_dir.chmod(mode)
    r = tool(["--profile", role, "--refresh"], e, timeout=60)
    assert_clean_failure(r, mentions=[str(lock_dir), "0700", f"rm -r {lock_dir}"])
    assert os.listdir(lock_dir) == []
    r = tool(["doctor", "--offline"], e)
    assert_clean_failure(r, mentions=[f"problem lock directory {lock_dir}", f"mode {mode:o}",
                                      f"fix: remove it: rm -r {lock_dir}"])


def test_the_cache_directory_is_made_private_when_missing(role_setup, tmp_path):
    e, role, _ = role_setup
    home = tmp_path / "fresh-home"
    home.mkdir()
    _assume(env_with(e, XDG_RUNTIME_DIR=None, XDG_CACHE_HOME=None, HOME=home), role)
    assert _private_dir(home / ".cache" / "awskeyring-helper")
    assert stat.S_IMODE(os.stat(home / ".cache").st_mode) == 0o700


# ---------------------------------------------------------------------------------------------------
# 9 and 14: rotate and doctor with profiles sharing a key, and a spare key in IAM


def _rotation_env(env, tmp_path, endpoint):
    config = tmp_path / "rot-config"
    config.write_text("")
    return env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none",
                    AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint, AWS_PROFILE=None,
                    AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_SESSION_TOKEN=None)


def _iam(m, key_id, secret):
    import boto3

    return boto3.client("iam", endpoint_url=m.url, region_name="us-east-1", aws_access_key_id=key_id,
                        aws_secret_access_key=secret)


def _iam_key_ids(m, key_id, secret):
    return sorted(k["AccessKeyId"] for k in _iam(m, key_id, secret).list_access_keys()["AccessKeyMetadata"])


def _stored_ids(env):
    r = tool(["list", "--json"], env)
    assert_success(r)
    return {row["profile"]: row["accessKeyId"] for row in json.loads(r.stdout)["profiles"]}


def test_rotate_moves_every_profile_holding_the_key(own_session, rotation_moto, tmp_path):
    m = rotation_moto
    e = _rotation_env(own_session.env, tmp_path, m.url)
    other_id, other_secret = h.new_keys()
    for profile in ("me", "prod", "me2"):
        assert_success(store_from_env(e, profile, m.access_key_id, m.secret_access_key))
    assert_success(store_from_env(e, "other", other_id, other_secret))

    r = tool(["rotate", "--profile", "me"], e, timeout=60)
    assert_success(r)
    stored = _stored_ids(e)
    new_id = stored["me"]
    assert new_id != m.access_key_id
    assert stored == {"me": new_id, "prod": new_id, "me2": new_id, "other": other_id}, stored
    assert "'me2', 'prod'" in r.stderr or "'prod', 'me2'" in r.stderr, r.describe()
    assert "same access key" in r.stderr, r.describe()
    new = h.credential_document(tool(["--profile", "prod"], e))
    h.KNOWN_SECRETS.add(new["SecretAccessKey"])
    assert new == h.credential_document(tool(["--profile", "me2"], e))
    assert _iam_key_ids(m, new["AccessKeyId"], new["SecretAccessKey"]) == [new_id]
    h.assert_keys(e, "other", other_id, other_secret)


def _aws_shim(tmp_path):
    """A directory with `aws` running this Python's AWS CLI, for PATH."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    shim = bindir / "aws"
    shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m awscli \"$@\"\n")
    shim.chmod(0o755)
    os.symlink(h.helper_bin(), bindir / "awskeyring-helper")
    return bindir


def test_rotate_and_doctor_name_a_spare_iam_key(own_session, rotation_moto, tmp_path):
    """The state an interrupted rotate leaves: the user has a second key that nothing stores."""
    m = rotation_moto
    e = _rotation_env(own_session.env, tmp_path, m.url)
    e = env_with(e, PATH=f"{_aws_shim(tmp_path)}:{e['PATH']}")
    assert_success(store_from_env(e, "me", m.access_key_id, m.secret_access_key))
    spare = _iam(m, m.access_key_id, m.secret_access_key).create_access_key()["AccessKey"]
    h.KNOWN_SECRETS.add(spare["SecretAccessKey"])
    spare_id = spare["AccessKeyId"]
    delete = f"awskeyring-helper exec --profile me -- aws iam delete-access-key --access-key-id {spare_id}"

    r = tool(["rotate", "--profile", "me"], e, timeout=60)
    assert_clean_failure(r, mentions=[spare_id, m.access_key_id, "no profile in the keyring holds", delete,
                                      "Nothing changed"])
    assert _stored_ids(e) == {"me": m.access_key_id}
    assert _iam_key_ids(m, m.access_key_id, m.secret_access_key) == sorted([m.access_key_id, spare_id])

    r = tool(["doctor"], e, timeout=60)
    assert_clean_failure(r, mentions=["problem IAM keys of profile me", spare_id, f"fix: if nothing else uses "
                                      f"{spare_id}, delete it: {delete}"])

    # The fix, run as printed, removes the spare key; doctor is then content and rotate works again.
    assert_success(h.run(shlex.split(delete), e, timeout=60))
    assert _iam_key_ids(m, m.access_key_id, m.secret_access_key) == [m.access_key_id]
    r = tool(["doctor"], e, timeout=60)
    assert r.rc == 0, r.describe()
    assert f"ok      IAM keys of profile me: access key {m.access_key_id} is the IAM user's only access key" \
        in r.stderr, r.describe()
    r = tool(["rotate", "--profile", "me"], e, timeout=60)
    assert_success(r)
    h.KNOWN_SECRETS.add(h.credential_document(tool(["--profile", "me"], e))["SecretAccessKey"])


def test_doctor_reports_a_key_iam_does_not_accept(own_session, rotation_moto, tmp_path):
    m = rotation_moto
    e = _rotation_env(own_session.env, tmp_path, m.url)
    key_id, secret = h.new_keys()
    assert_success(store_from_env(e, "dead", key_id, secret))
    r = tool(["doctor"], e, timeout=60)
    assert_clean_failure(r, mentions=[f"problem IAM keys of profile dead: IAM does not accept the stored access "
                                      f"key {key_id}", "store --profile dead --force"])


class Blackhole:
    """A loopback port that accepts connections and never answers; counts them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self.held = []
        self._stop = False
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            self.held.append(conn)

    def stop(self):
        self._stop = True
        self.thread.join(timeout=5)
        for c in self.held:
            c.close()
        self.sock.close()


def test_doctor_never_hangs_on_iam_and_asks_only_for_stored_keys(own_session, tmp_path):
    hole = Blackhole()
    try:
        e = _rotation_env(own_session.env, tmp_path, hole.url)
        (tmp_path / "rot-config").write_text("[profile settings-only]\nregion = eu-west-1\n")
        r = tool(["doctor"], e, timeout=30)
        assert r.rc == 0, r.describe()
        assert hole.connections == 0, "no stored keys: doctor must not call IAM"

        for n in range(3):
            key_id, secret = h.new_keys()
            assert_success(store_from_env(e, f"k{n}", key_id, secret))
        start = time.monotonic()
        r = tool(["doctor"], e, timeout=60)
        elapsed = time.monotonic() - start
        assert r.rc == 0, r.describe()
        assert elapsed < 12, f"doctor took {elapsed:.1f}s with IAM not answering"
        assert r.stderr.count("not checked") == 3, r.describe()
        assert hole.connections == 1, "an endpoint that did not answer is asked once, not once per key"

        r = tool(["doctor", "--offline"], e, timeout=30)
        assert r.rc == 0 and "IAM" not in r.stderr and hole.connections == 1, r.describe()
    finally:
        hole.stop()
