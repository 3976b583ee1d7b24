"""MFA with no terminal (an IDE, a program started from a desktop launcher): the code is asked for through
pinentry's Assuan protocol. A stand-in pinentry (fake_pinentry.py) answers; the real AWS CLI and boto3
call the helper through credential_process under `setsid`, so there is no controlling terminal; fake STS
checks the code that arrives."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure
from fake_sts import SERIAL, World, fake_sts, role_arn  # noqa: F401 (fixture)
from test_parallel import _check_wave

FAKE_PINENTRY = Path(__file__).with_name("fake_pinentry.py")


@pytest.fixture
def world(env, fake_sts, tmp_path):
    return World(env, fake_sts, tmp_path / "world")


def _setup(world, helper_bin, tmp_path, answers, extra=""):
    role, cli = h.fresh_profile("role"), h.fresh_profile("cli")
    arn = role_arn("pin-" + role)
    world.write_config(
        f"[profile {role}]\nrole_arn = {arn}\nsource_profile = {world.base}\nmfa_serial = {SERIAL}\n{extra}\n"
        f"[profile {cli}]\ncredential_process = {shlex.quote(helper_bin)} --profile {role}\n"
    )
    log = tmp_path / "pinentry.log"
    env = h.env_with(
        world.env, DISPLAY=":99", AWSKEYRING_HELPER_PINENTRY=str(FAKE_PINENTRY),
        FAKE_PINENTRY_LOG=log, FAKE_PINENTRY_STATE=tmp_path / "pinentry.state",
        FAKE_PINENTRY_ANSWERS=",".join(answers),
    )
    return role, cli, arn, env, log


def _setsid(argv, env, timeout=60):
    return h.run(["setsid", "-w", *argv], env, timeout=timeout)


def test_the_aws_cli_without_a_terminal_asks_through_pinentry(world, helper_bin, tmp_path):
    fake = world.fake
    role, cli, arn, env, log = _setup(world, helper_bin, tmp_path, ["12ab", "654321", fake.valid_code])
    r = _setsid([sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--profile", cli,
                 "--output", "json"], env)
    assert r.rc == 0, r.describe()
    assert json.loads(r.stdout)["Arn"].startswith(f"arn:aws:sts::")
    text = log.read_text()
    # Three dialogs: a code that is not six digits, one AWS rejects, the right one.
    assert text.count("< GETPIN") == 3, text
    assert "TTY no" in text
    assert f"< SETDESC " in text and role in text and SERIAL in text and arn in text, text
    assert "< SETERROR An MFA code is six digits." in text, text
    assert "< SETERROR AWS rejected that code" in text, text
    assert "< SETTIMEOUT " in text and "< BYE" in text
    # Only stdin, stdout and stderr reach the program.
    assert all(line == "FDS 0 1 2 3" or line == "FDS 0 1 2" for line in text.splitlines() if line.startswith("FDS")), text
    codes = [c.params.get("TokenCode") for c in fake.helper_calls() if c.params.get("TokenCode")]
    assert codes == ["654321", fake.valid_code], fake.describe()

    # Cached: boto3 in the same setting asks nothing more.
    boto = "import boto3; print(boto3.session.Session(profile_name=%r).client('sts').get_caller_identity()['Arn'])" % cli
    r = _setsid([sys.executable, "-c", boto], env)
    assert r.rc == 0, r.describe()
    assert log.read_text().count("< GETPIN") == 3


def test_cancel_is_a_clear_error_and_nothing_reaches_sts(world, helper_bin, tmp_path):
    fake = world.fake
    role, _, _, env, log = _setup(world, helper_bin, tmp_path, ["cancel"])
    r = _setsid([helper_bin, "--profile", role], env)
    assert_clean_failure(r, mentions=["cancel"])
    assert fake.helper_calls() == [], fake.describe()


def test_the_prompt_timeout_bounds_an_unanswered_dialog(world, helper_bin, tmp_path):
    role, _, _, env, log = _setup(world, helper_bin, tmp_path, ["hang"], extra="mfa_prompt_timeout = 2\n")
    r = _setsid([helper_bin, "--profile", role], env, timeout=20)
    assert_clean_failure(r, mentions=["mfa_prompt_timeout", "2 s"])
    assert "< SETTIMEOUT 2" in log.read_text()


def test_without_terminal_and_display_the_error_names_both_settings(world, helper_bin, tmp_path):
    role, _, _, env, log = _setup(world, helper_bin, tmp_path, [])
    r = _setsid([helper_bin, "--profile", role], h.env_with(env, DISPLAY=None, WAYLAND_DISPLAY=None))
    assert_clean_failure(r, mentions=["mfa_process", "mfa_prompt"])
    assert not log.exists()


def test_mfa_prompt_terminal_never_asks_pinentry(world, helper_bin, tmp_path):
    role, _, _, env, log = _setup(world, helper_bin, tmp_path, ["123456"], extra="mfa_prompt = terminal\n")
    r = _setsid([helper_bin, "--profile", role], env)
    assert_clean_failure(r, mentions=["terminal"])
    assert not log.exists()


def test_mfa_prompt_refuses_other_values(world, helper_bin, tmp_path):
    role, _, _, env, _ = _setup(world, helper_bin, tmp_path, [], extra="mfa_prompt = zenity\n")
    r = _setsid([helper_bin, "--profile", role], env)
    assert_clean_failure(r, mentions=["mfa_prompt", "auto", "terminal", "pinentry"])


def test_a_missing_pinentry_program_is_named(world, helper_bin, tmp_path):
    role, _, _, env, _ = _setup(world, helper_bin, tmp_path, [])
    r = _setsid([helper_bin, "--profile", role], h.env_with(env, AWSKEYRING_HELPER_PINENTRY=str(tmp_path / "nope")))
    assert_clean_failure(r, mentions=["pinentry", "AWSKEYRING_HELPER_PINENTRY"])


def _helpers_running(names) -> int:
    """How many processes of this test's helper calls are alive (their argv names one of `names`)."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(argv) >= 3 and argv[1] == b"--profile" and argv[2].decode(errors="replace") in names:
            count += 1
    return count


def test_six_callers_without_a_terminal_get_one_pinentry_dialog(world, helper_bin, tmp_path):
    """Six callers at once, as an IDE starts them (three AWS CLI processes and three boto3 sessions under
    `setsid -w`, no terminal), for three roles behind one MFA device: one pinentry dialog, held open until
    all six helpers run, one GetSessionToken, and every caller signs with the role it asked for."""
    fake = world.fake
    roles = {h.fresh_profile(f"pin-r{i}"): f"pin-par-{i}" for i in range(3)}
    clis = {h.fresh_profile(f"pin-cli{i}"): role for i, role in enumerate(roles)}
    bin_ = shlex.quote(helper_bin)
    world.write_config(
        "".join(
            f"[profile {role}]\nrole_arn = {role_arn(name)}\nsource_profile = {world.base}\n"
            f"mfa_serial = {SERIAL}\nmfa_prompt = pinentry\n\n"
            for role, name in roles.items())
        + "".join(f"[profile {cli}]\ncredential_process = {bin_} --profile {role}\n\n" for cli, role in clis.items())
    )
    starts, hold = tmp_path / "pinentry.starts", tmp_path / "pinentry.answer"
    # Every dialog would get the right code: a second one shows as a second start, not as a failure.
    env = h.env_with(
        world.env, DISPLAY=":99", AWSKEYRING_HELPER_PINENTRY=str(FAKE_PINENTRY),
        FAKE_PINENTRY_LOG=tmp_path / "pinentry.log", FAKE_PINENTRY_STATE=tmp_path / "pinentry.state",
        FAKE_PINENTRY_ANSWERS=",".join([fake.valid_code] * 6), FAKE_PINENTRY_STARTS=starts,
        FAKE_PINENTRY_HOLD=hold,
    )
    boto = ("import boto3, json, sys; s = boto3.session.Session(profile_name=sys.argv[1]); "
            "print(json.dumps({'Arn': s.client('sts').get_caller_identity()['Arn']}))")
    procs = []
    for i, cli in enumerate(list(clis) * 2):
        caller = ([sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--profile", cli, "--output", "json"]
                  if i < 3 else [sys.executable, "-c", boto, cli])
        procs.append((cli, subprocess.Popen(
            ["setsid", "-w", *caller], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)))
    try:
        # The dialog stays unanswered until all six helpers run, so the five others meet it open.
        deadline = time.monotonic() + 90
        while not (starts.exists() and _helpers_running(roles) >= 6):
            assert all(p.poll() is None for _, p in procs), "a caller ended before the dialog was answered"
            assert time.monotonic() < deadline, (
                f"{_helpers_running(roles)} helpers running, pinentry started: {starts.exists()}")
            time.sleep(0.1)
        time.sleep(1)
        assert len(starts.read_text().splitlines()) == 1, starts.read_text()
        assert fake.helper_calls() == [], fake.describe()
    except BaseException:
        for _, p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
        raise
    finally:
        hold.touch()
    # Each caller exits 0 with the identity of its own role, nothing secret on stderr.
    _check_wave(procs, {cli: roles[role] for cli, role in clis.items()})
    assert len(starts.read_text().splitlines()) == 1, "pinentry was started more than once: " + starts.read_text()
    gst = fake.actions("GetSessionToken")
    assert len(gst) == 1 and gst[0].params["TokenCode"] == fake.valid_code, fake.describe()
    for name in roles.values():
        calls = fake.actions("AssumeRole", RoleArn=role_arn(name))
        assert len(calls) == 1 and calls[0].access_key_id == gst[0].issued.access_key_id, fake.describe()
    # Every caller signed GetCallerIdentity with role credentials the fake issued: each got a valid document.
    issued = {c.issued.access_key_id for c in fake.actions("AssumeRole")}
    gci = fake.actions("GetCallerIdentity")
    assert len(gci) == 6 and {c.access_key_id for c in gci} == issued, fake.describe()
