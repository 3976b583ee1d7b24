"""exec, env, import, rotate and doctor, run as users run them: real shells, a real credentials file, the
AWS CLI and moto (with signature checking) standing in for IAM and STS, the private keyring session."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
import time

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_success, env_with, store_from_env, tool


def _stored_key_id(env, profile):
    """The access key id stored for P, from `list --json` (never a secret)."""
    r = tool(["list", "--json"], env)
    assert_success(r)
    return {row["profile"]: row["accessKeyId"] for row in json.loads(r.stdout)["profiles"]}.get(profile)


def _stored(env, profile):
    """P's credential document (its stored keys)."""
    return h.credential_document(tool(["--profile", profile], env))


@pytest.fixture
def keys_env(write_configs):
    """A profile with stored long-lived keys and a region, and the environment to use it."""
    profile = h.fresh_profile("cmd")
    e = write_configs(config=f"[profile {profile}]\nregion = eu-central-1\n")
    e = env_with(e, AWS_REGION=None, AWS_DEFAULT_REGION=None, AWS_PROFILE=None)
    key_id, secret = h.new_keys()
    assert_success(store_from_env(e, profile, key_id, secret))
    return e, profile, key_id, secret


# ---------------------------------------------------------------------------------------------------
# exec


def _child_env(stdout: str) -> dict:
    return dict(line.split("=", 1) for line in stdout.split("\0") if "=" in line)


def test_exec_gives_the_child_the_credentials_and_removes_competing_variables(keys_env):
    e, profile, key_id, secret = keys_env
    e = env_with(e, AWS_PROFILE="somewhere-else", AWS_DEFAULT_PROFILE="x", AWS_SESSION_TOKEN="stale",
                 AWS_SECURITY_TOKEN="stale", KEEP_ME="yes")
    r = h.run([h.helper_bin(), "exec", "--profile", profile, "--", "env", "-0"], e)
    assert_success(r)
    child = _child_env(r.stdout)
    assert child["AWS_ACCESS_KEY_ID"] == key_id
    assert child["AWS_SECRET_ACCESS_KEY"] == secret
    assert child["AWS_REGION"] == "eu-central-1" and child["AWS_DEFAULT_REGION"] == "eu-central-1"
    for gone in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_CREDENTIAL_EXPIRATION"):
        assert gone not in child, f"{gone} must not reach the child: {sorted(child)}"
    assert child["KEEP_ME"] == "yes"
    assert r.stderr == ""


def test_exec_keeps_a_region_chosen_in_the_environment(keys_env):
    e, profile, _, _ = keys_env
    r = h.run([h.helper_bin(), "exec", "--profile", profile, "--", "env", "-0"],
              env_with(e, AWS_REGION="ap-south-1"))
    assert_success(r)
    child = _child_env(r.stdout)
    assert child["AWS_REGION"] == "ap-south-1" and child["AWS_DEFAULT_REGION"] == "ap-south-1"


def test_exec_passes_the_exit_status_and_keeps_the_secret_out_of_argv(keys_env):
    e, profile, _, secret = keys_env
    r = h.run([h.helper_bin(), "exec", "--profile", profile, "--", "sh", "-c",
               'test -n "$AWS_SECRET_ACCESS_KEY" || exit 3; tr "\\0" " " < /proc/$$/cmdline; exit 7'], e)
    assert r.rc == 7, r.describe()
    assert "sh -c" in r.stdout and secret not in r.stdout
    r = h.run([h.helper_bin(), "exec", "--profile", profile, "--", "sh", "-c", "exit 0"], e)
    assert r.rc == 0, r.describe()


def test_a_signal_reaches_the_command_itself(keys_env, tmp_path):
    """exec replaces the helper: the pid the caller holds is the command's, and a signal sent to it
    ends the command through its own handler."""
    e, profile, _, _ = keys_env
    marker = tmp_path / "got-term"
    script = f'trap "echo term > {shlex.quote(str(marker))}; exit 42" TERM; echo ready; while :; do sleep 0.1; done'
    proc = subprocess.Popen([h.helper_bin(), "exec", "--profile", profile, "--", "sh", "-c", script], env=e,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        with open(f"/proc/{proc.pid}/comm") as f:
            assert f.read().strip() == "sh", "the helper must have become the command"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 42
        assert marker.read_text().strip() == "term"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    # Killed by a signal it does not handle: the caller sees that signal.
    # (subprocess directly: h.run counts a signal death of the helper's pid as a crash.)
    r = subprocess.run([h.helper_bin(), "exec", "--profile", profile, "--", "sh", "-c", "kill -KILL $$"], env=e,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert r.returncode == -signal.SIGKILL, r


def test_exec_failures(keys_env, tmp_path):
    e, profile, _, _ = keys_env
    r = h.run([h.helper_bin(), "exec", "--profile", profile, "--", "no-such-command-e2e"], e)
    assert r.rc == 127, r.describe()
    assert_clean_failure(r, mentions=["no-such-command-e2e", "not found"])
    not_runnable = tmp_path / "not-executable"
    not_runnable.write_text("echo should not run\n")
    r = h.run([h.helper_bin(), "exec", "--profile", profile, "--", not_runnable], e)
    assert r.rc == 126, r.describe()
    assert_clean_failure(r, mentions=[str(not_runnable), "permission denied"])
    # No keys: the command never runs.
    missing = h.fresh_profile("nokeys")
    r = h.run([h.helper_bin(), "exec", "--profile", missing, "--", "sh", "-c", "echo ran"], e)
    assert_clean_failure(r, mentions=[f"awskeyring-helper store --profile {missing}"])
    r = h.run([h.helper_bin(), "exec", "--profile", profile], e)
    assert_clean_failure(r, mentions=["command"])


# ---------------------------------------------------------------------------------------------------
# env


def test_env_sh_output_is_evaluated_by_a_real_shell(keys_env):
    e, profile, key_id, secret = keys_env
    r = tool(["env", "--profile", profile], env_with(e, AWS_PROFILE=profile, AWS_SESSION_TOKEN="stale"))
    assert_success(r)
    assert r.stderr == ""
    assert re.fullmatch(r"(export [A-Z_]+='[^']*'\n)+unset [A-Z_ ]+\n", r.stdout), r.stdout
    probe = h.run(["sh", "-c", r.stdout + 'printf "%s|%s|%s|%s|%s" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" '
                   '"$AWS_REGION" "${AWS_SESSION_TOKEN-unset}" "${AWS_PROFILE-unset}"'],
                  env_with(e, AWS_PROFILE=profile, AWS_SESSION_TOKEN="stale"))
    assert_success(probe)
    assert probe.stdout == f"{key_id}|{secret}|eu-central-1|unset|unset"


def test_env_quotes_values_safely_for_sh_and_fish(keys_env, write_configs):
    """A region with quotes and shell syntax in it comes through literally."""
    e, profile, _, _ = keys_env
    nasty = "it's $(touch pwned) `x` \\ \"q\""
    e2 = env_with(e, AWS_REGION=None)
    config = open(e["AWS_CONFIG_FILE"]).read().replace("eu-central-1", nasty)
    with open(e["AWS_CONFIG_FILE"], "w") as f:
        f.write(config)
    # The profile's region is not a valid region for STS, but no STS call is made for stored keys.
    r = tool(["env", "--profile", profile], e2)
    assert_success(r)
    probe = h.run(["sh", "-c", r.stdout + 'printf "%s" "$AWS_REGION"'], e2, cwd=os.path.dirname(e["AWS_CONFIG_FILE"]))
    assert probe.stdout == nasty
    assert not os.path.exists(os.path.join(os.path.dirname(e["AWS_CONFIG_FILE"]), "pwned"))
    r = tool(["env", "--profile", profile, "--format", "fish"], e2)
    assert_success(r)
    assert "set -gx AWS_REGION 'it\\'s $(touch pwned) `x` \\\\ \"q\"'\n" in r.stdout


def test_env_fish_and_json(keys_env):
    e, profile, key_id, secret = keys_env
    r = tool(["env", "--profile", profile, "--format", "fish"], env_with(e, AWS_PROFILE=profile))
    assert_success(r)
    lines = r.stdout.splitlines()
    assert f"set -gx AWS_ACCESS_KEY_ID '{key_id}'" in lines
    assert f"set -gx AWS_SECRET_ACCESS_KEY '{secret}'" in lines
    assert "set -gx AWS_REGION 'eu-central-1'" in lines
    assert "set -e AWS_PROFILE" in lines
    assert all(re.fullmatch(r"set -gx [A-Z_]+ '[^'\\]*'|set -e [A-Z_]+", line) for line in lines), lines

    r = tool(["env", "--profile", profile, "--format", "json"], e)
    assert_success(r)
    assert json.loads(r.stdout) == {
        "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-central-1",
    }


def test_env_failures_print_nothing_on_stdout(keys_env):
    e, profile, _, _ = keys_env
    missing = h.fresh_profile("nokeys")
    assert_clean_failure(tool(["env", "--profile", missing], e), mentions=["store --profile"])
    assert_clean_failure(tool(["env", "--profile", profile, "--format", "csh"], e), mentions=["csh"])


# ---------------------------------------------------------------------------------------------------
# import


def test_import_moves_keys_into_the_keyring_and_rewrites_the_file(write_configs):
    a, b, temp = h.fresh_profile("imp"), h.fresh_profile("imp"), h.fresh_profile("tmp")
    id_a, secret_a = h.new_keys()
    id_b, secret_b = h.new_keys()
    original = (
        "# my credentials\n"
        f"[{a}]\n"
        f"aws_access_key_id = {id_a}\n"
        "; keep this comment\n"
        f"aws_secret_access_key = {secret_a}\n"
        "region = eu-west-1\n"
        "\n"
        f"[{b}]\r\n"
        f"  aws_access_key_id={id_b}\r\n"
        f"  aws_secret_access_key={secret_b}\r\n"
        f"[{temp}]\n"
        "aws_access_key_id = ASIATEMPORARYKEY0000\n"
        "aws_secret_access_key = tmpsecret\n"
        "aws_session_token = token\n"
    )
    e = write_configs(config="", credentials=original)
    path = e["AWS_SHARED_CREDENTIALS_FILE"]
    os.chmod(path, 0o640)

    r = tool(["import", "--remove-from-file"], e)
    assert_success(r)
    assert r.stdout == ""
    assert f"Imported the keys of profile '{a}'" in r.stderr and f"Imported the keys of profile '{b}'" in r.stderr
    assert f"Left profile '{temp}' alone" in r.stderr
    assert _stored_key_id(e, temp) is None

    h.assert_keys(e, a, id_a, secret_a)
    h.assert_keys(e, b, id_b, secret_b)
    rewritten = open(path, "rb").read().decode()
    assert rewritten == (
        "# my credentials\n"
        f"[{a}]\n"
        "; keep this comment\n"
        "region = eu-west-1\n"
        "\n"
        f"[{b}]\r\n"
        f"[{temp}]\n"
        "aws_access_key_id = ASIATEMPORARYKEY0000\n"
        "aws_secret_access_key = tmpsecret\n"
        "aws_session_token = token\n"
    )
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    backups = [n for n in os.listdir(os.path.dirname(path)) if n.startswith("credentials.bak-")]
    assert len(backups) == 1 and re.fullmatch(r"credentials\.bak-\d{8}T\d{6}Z", backups[0]), backups
    backup = os.path.join(os.path.dirname(path), backups[0])
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    assert open(backup, "rb").read().decode() == original
    assert [n for n in os.listdir(os.path.dirname(path)) if n.startswith(".")] == []


def test_import_never_overwrites_stored_keys_without_force(write_configs):
    p = h.fresh_profile("imp")
    old_id, old_secret = h.new_keys()
    new_id, new_secret = h.new_keys()
    e = write_configs(config="", credentials=f"[{p}]\naws_access_key_id = {new_id}\naws_secret_access_key = {new_secret}\n")
    assert_success(store_from_env(e, p, old_id, old_secret))
    before = open(e["AWS_SHARED_CREDENTIALS_FILE"]).read()

    r = tool(["import", "--profile", p, "--remove-from-file"], e)
    assert_clean_failure(r, mentions=[p, "--force"])
    assert f"Skipped profile '{p}'" in r.stderr
    assert _stored_key_id(e, p) == old_id  # still the old keys ...
    assert open(e["AWS_SHARED_CREDENTIALS_FILE"]).read() == before  # ... and the file untouched

    r = tool(["import", "--profile", p, "--force"], e)
    assert_success(r)
    assert "--remove-from-file" in r.stderr  # the keys are still in the file: say so
    assert open(e["AWS_SHARED_CREDENTIALS_FILE"]).read() == before
    assert _stored_key_id(e, p) == new_id


def test_import_refuses_a_file_that_does_not_parse(write_configs):
    p = h.fresh_profile("imp")
    key_id, secret = h.new_keys()
    broken = f"[{p}]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\nthis line has no delimiter\n"
    e = write_configs(config="", credentials=broken)
    r = tool(["import", "--remove-from-file"], e)
    assert_clean_failure(r, mentions=["line 4", "nothing was changed"])
    assert open(e["AWS_SHARED_CREDENTIALS_FILE"]).read() == broken
    assert sorted(os.listdir(os.path.dirname(e["AWS_SHARED_CREDENTIALS_FILE"]))) == ["config", "credentials"]
    h.assert_no_keys(env_with(e, AWS_SHARED_CREDENTIALS_FILE=e["AWS_SHARED_CREDENTIALS_FILE"] + ".none"), p)


def test_import_from_an_explicit_file_and_unknown_profiles(write_configs, tmp_path):
    p = h.fresh_profile("imp")
    key_id, secret = h.new_keys()
    other = tmp_path / "old-credentials"
    other.write_text(f"[{p}]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
    e = write_configs(config="")
    r = tool(["import", "--credentials-file", other, "--profile", p], e)
    assert_success(r)
    h.assert_keys(e, p, key_id, secret)
    assert_clean_failure(tool(["import", "--credentials-file", other, "--profile", "nope-e2e"], e),
                         mentions=["nope-e2e"])
    assert_clean_failure(tool(["import", "--credentials-file", tmp_path / "missing"], e),
                         mentions=["no credentials file"])


# ---------------------------------------------------------------------------------------------------
# rotate: moto with signature checking


def _aws(env, *args):
    return h.run([sys.executable, "-m", "awscli", *args, "--output", "json"], env, timeout=60)


def _rotation_env(env, tmp_path, helper_bin, endpoint, profile):
    config = tmp_path / "rot-config"
    config.write_text(f"[profile cli]\ncredential_process = {shlex.quote(helper_bin)} --profile {profile}\n"
                      "region = us-east-1\n")
    return env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none",
                    AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint, AWS_PROFILE=None,
                    AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_SESSION_TOKEN=None)


def _key_ids(env):
    r = _aws(env, "iam", "list-access-keys", "--profile", "cli")
    assert_success(r)
    return sorted(k["AccessKeyId"] for k in json.loads(r.stdout)["AccessKeyMetadata"])


def test_rotate_replaces_the_key_and_deletes_the_old_one(env, rotation_moto, tmp_path, helper_bin):
    m = rotation_moto
    profile = h.fresh_profile("rot")
    e = _rotation_env(env, tmp_path, helper_bin, m.url, profile)
    assert_success(store_from_env(e, profile, m.access_key_id, m.secret_access_key))

    r = tool(["rotate", "--profile", profile], e, timeout=60)
    assert_success(r)
    assert r.stdout == ""
    new = _stored(e, profile)
    h.KNOWN_SECRETS.add(new["SecretAccessKey"])
    assert new["AccessKeyId"] != m.access_key_id and new["SecretAccessKey"] != m.secret_access_key
    assert new["AccessKeyId"] in r.stderr and m.access_key_id in r.stderr

    # The AWS CLI signs with the new stored key through credential_process, and the old key is gone.
    r = _aws(e, "sts", "get-caller-identity", "--profile", "cli")
    assert_success(r)
    assert json.loads(r.stdout)["Arn"] == m.user_arn
    assert _key_ids(e) == [new["AccessKeyId"]]
    old_env = env_with(e, AWS_ACCESS_KEY_ID=m.access_key_id, AWS_SECRET_ACCESS_KEY=m.secret_access_key,
                       AWS_CONFIG_FILE=tmp_path / "none")
    r = _aws(old_env, "sts", "get-caller-identity")
    assert r.rc != 0 and "InvalidClientTokenId" in r.stderr, r.describe()


def test_a_failed_verification_leaves_the_old_key_stored(env, rotation_moto, tmp_path, helper_bin):
    """IAM works but STS cannot be reached: the new key cannot be proven, so it is deleted again and
    the old key stays stored and working."""
    m = rotation_moto
    profile = h.fresh_profile("rot")
    e = _rotation_env(env, tmp_path, helper_bin, m.url, profile)
    assert_success(store_from_env(e, profile, m.access_key_id, m.secret_access_key))

    dead = f"http://127.0.0.1:{h.free_port()}"
    r = tool(["rotate", "--profile", profile], env_with(e, AWS_ENDPOINT_URL_STS=dead), timeout=90)
    assert_clean_failure(r, mentions=["GetCallerIdentity", m.access_key_id, "still works"])
    assert _stored(e, profile)["AccessKeyId"] == m.access_key_id
    assert _stored(e, profile)["SecretAccessKey"] == m.secret_access_key
    assert _key_ids(e) == [m.access_key_id]  # the new key was deleted again
    r = _aws(e, "sts", "get-caller-identity", "--profile", "cli")
    assert_success(r)


def test_iam_denying_the_new_key_changes_nothing(env, moto, tmp_path, helper_bin):
    """The shared moto's user has no IAM policy: moto denies CreateAccessKey."""
    profile = h.fresh_profile("rot")
    e = _rotation_env(env, tmp_path, helper_bin, moto.endpoint_url, profile)
    assert_success(store_from_env(e, profile, moto.access_key_id, moto.secret_access_key))
    r = tool(["rotate", "--profile", profile], e, timeout=60)
    assert_clean_failure(r, mentions=["CreateAccessKey", "Nothing changed", moto.access_key_id])
    h.assert_keys(e, profile, moto.access_key_id, moto.secret_access_key)


def test_rotate_without_stored_keys(env, tmp_path, helper_bin):
    profile = h.fresh_profile("rot")
    e = _rotation_env(env, tmp_path, helper_bin, f"http://127.0.0.1:{h.free_port()}", profile)
    assert_clean_failure(tool(["rotate", "--profile", profile], e), mentions=[f"store --profile {profile}"])


# ---------------------------------------------------------------------------------------------------
# doctor


def test_doctor_on_a_healthy_setup(keys_env):
    e, profile, _, _ = keys_env
    # Healthy includes reachable: the config sends the AWS CLI to the stored keys.
    with open(e["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"credential_process = {shlex.quote(h.helper_bin())} --profile {profile}\n")
    # --offline: the stored keys are made up, and IAM (where the network reaches it) would say so.
    r = tool(["doctor", "--offline"], e)
    assert r.rc == 0, r.describe()
    assert r.stdout == ""
    for line in ("ok      D-Bus session bus", "ok      Secret Service", "ok      default keyring",
                 f"ok      profile {profile}: resolves: keys of '{profile}' from the keyring"):
        assert line in r.stderr, r.describe()
    assert not any(line.startswith("problem") for line in r.stderr.splitlines()), r.describe()
    assert r.stderr.endswith("No problems found.\n")


def test_doctor_finds_a_broken_config_and_plain_text_keys(write_configs):
    key_id, secret = h.new_keys()
    e = write_configs(config="[profile a]\nregion = eu-west-1\nno delimiter\n",
                      credentials=f"[plain]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
    r = tool(["doctor"], e)
    assert_clean_failure(r, mentions=["problem config file", "line 3", "fix: correct line 3"])
    e = write_configs(config="[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = nokeys-e2e\n"
                             "[profile nokeys-e2e]\nregion = eu-west-1\n",
                      credentials=f"[plain]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n",
                      name="cfg2")
    r = tool(["doctor", "--offline"], e)
    assert_clean_failure(r, mentions=["fix: awskeyring-helper import --profile plain --remove-from-file",
                                      "fix: awskeyring-helper store --profile nokeys-e2e"])


def test_doctor_without_dbus(keys_env):
    e, _, _, _ = keys_env
    r = tool(["doctor"], env_with(e, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/e2e-bus"))
    assert_clean_failure(r, mentions=["problem D-Bus session bus", "dbus-run-session"])


def test_doctor_without_a_secret_service(tmp_path):
    """A bus with nothing on it: the Secret Service check fails with its fix."""
    session = h.PrivateSession(tmp_path / "bare", with_keyring=False)
    try:
        r = tool(["doctor"], session.env)
        assert_clean_failure(r, mentions=["ok      D-Bus session bus", "problem Secret Service",
                                          "install gnome-keyring", "awskeyring-helper unlock"])
    finally:
        session.stop()


# ---------------------------------------------------------------------------------------------------
# completions


@pytest.mark.parametrize("shell,marker", [("bash", "-F _awskeyring-helper awskeyring-helper"),
                                          ("zsh", "#compdef awskeyring-helper"),
                                          ("fish", "complete -c 'awskeyring-helper'")])
def test_completion_scripts(env, shell, marker):
    r = tool(["--generate-completion-script", shell], env)
    assert_success(r)
    assert marker in r.stdout
    for command in ("exec", "env", "import", "rotate", "doctor"):
        assert command in r.stdout
    if shell == "bash":
        assert_success(h.run(["bash", "-n", "-c", r.stdout], env))
