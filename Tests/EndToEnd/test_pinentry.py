"""MFA with no terminal (an IDE, a program started from a desktop launcher): the code is asked for through
pinentry's Assuan protocol. A stand-in pinentry (fake_pinentry.py) answers; the real AWS CLI and boto3
call the helper through credential_process under `setsid`, so there is no controlling terminal; fake STS
checks the code that arrives."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure
from fake_sts import SERIAL, World, fake_sts, role_arn  # noqa: F401 (fixture)

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
