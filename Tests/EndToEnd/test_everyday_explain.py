"""`explain` explains broken profiles too (issue 15, part 2): for every profile botocore reads it prints
the files and the merged settings, then the chain up to its first break and the break itself (a step,
and a `break` member with --json), and only then exits non-zero. It needs neither D-Bus nor the
keyring for the settings: without them it says the stored keys were not checked."""

import importlib.util
import json
import random
from pathlib import Path

import pytest

import e2e_helpers as h
from config_cases import CASES
from e2e_helpers import botocore_view, env_with, store_from_env, tool

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/everyday"
SECRET_SETTINGS = {"aws_secret_access_key", "aws_session_token", "aws_security_token"}


def no_bus(env):
    """The environment of a shell with no D-Bus session at all (no address, no display to autolaunch)."""
    return env_with(env, DBUS_SESSION_BUS_ADDRESS=None, DISPLAY=None)


def dead_bus(env, tmp_path):
    """An address that names a socket nobody listens on (a session that ended)."""
    return env_with(env, DBUS_SESSION_BUS_ADDRESS=f"unix:path={tmp_path}/no-bus-here")


def redacted(settings):
    return {k: ("<redacted>" if k in SECRET_SETTINGS else v) for k, v in settings.items()}


def explain(env, profile):
    """(exit status, the JSON document, stderr, the text form's result)."""
    r = tool(["explain", "--profile", profile, "--json"], env)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        raise AssertionError("explain --json must always print its document\n" + r.describe()) from None
    h.assert_no_known_secret(r.stdout, "explain's output")
    text = tool(["explain", "--profile", profile], env)
    assert text.rc == r.rc, text.describe()
    return r.rc, doc, r.stderr, text


BROKEN = {
    "bad-role-arn": (f"[profile base]\nregion = eu-west-1\n[profile bad-role-arn]\nrole_arn = arn:aws:iam::12345:role/x\n"
                     "source_profile = base\nregion = eu-west-2\n", "bad-role-arn", "is not an IAM role ARN"),
    "web-no-role": ("[profile web-no-role]\nweb_identity_token_file = /tmp/token\nregion = us-east-2\n",
                    "web-no-role", "no role to assume"),
    "source-typo": (f"[profile me]\nregion = eu-west-1\n[profile nosrc]\nrole_arn = {ROLE}\nsource_profile = mee\n",
                    "nosrc", "source_profile 'mee' of profile 'nosrc' does not exist"),
    "both-sources": (f"[profile b]\nrole_arn = {ROLE}\nsource_profile = x\ncredential_source = Environment\n",
                     "b", "both source_profile and credential_source"),
    "bad-credential-source": (f"[profile cs]\nrole_arn = {ROLE}\ncredential_source = Ec2\n", "cs", "is not one of"),
    "loop": (f"[profile la]\nrole_arn = {ROLE}\nsource_profile = lb\n[profile lb]\nrole_arn = {ROLE}\n"
             "source_profile = la\n", ("la", "lb"), "loop"),
}


@pytest.mark.parametrize("bus", ["keyring", "no-bus", "dead-bus"])
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_chain_is_explained_up_to_the_break(case, bus, write_configs, tmp_path):
    config, broken_at, words = BROKEN[case]
    e = write_configs(config=config, name=case)
    e = {"keyring": e, "no-bus": no_bus(e), "dead-bus": dead_bus(e, tmp_path)}[bus]
    expected = botocore_view(e["AWS_CONFIG_FILE"], e["AWS_SHARED_CREDENTIALS_FILE"]).profiles
    for profile in expected:
        rc, doc, err, text = explain(e, profile)
        assert doc["settings"] == redacted(expected[profile]), profile
        assert text.stdout.startswith(f"Profile '{profile}'") and e["AWS_CONFIG_FILE"] in text.stdout
        for key in expected[profile]:
            assert f"  {key} = " in text.stdout, f"{key} missing\n" + text.describe()
        if "break" not in doc:
            continue
        # The break: a member, the last step of the chain, the text's last step, stderr, exit 1.
        assert rc == 1, doc
        assert doc["chain"][-1] == {"type": "break", **doc["break"]}, doc
        assert words in doc["break"]["error"], doc
        assert f"BROKEN at profile '{doc['break']['profile']}'" in text.stdout, text.describe()
        assert words in err and err.startswith("awskeyring-helper: "), err
        assert "Traceback" not in err
    # The profile the case is about does break, where it should.
    asked, broken_at = broken_at if isinstance(broken_at, tuple) else (broken_at, broken_at)
    rc, doc, err, _ = explain(e, asked)
    assert rc == 1 and doc["break"]["profile"] == broken_at, doc


def test_the_chain_up_to_the_break_keeps_the_roles_above_it(write_configs):
    """Two good roles above a bad one: both shown in the order the walk meets them, then the break."""
    e = write_configs(config=(
        f"[profile top]\nrole_arn = {ROLE}-top\nsource_profile = middle\nduration_seconds = 7200\n"
        f"[profile middle]\nrole_arn = {ROLE}-middle\nsource_profile = bottom\n"
        "[profile bottom]\nrole_arn = not-an-arn\nsource_profile = base\n[profile base]\n"))
    rc, doc, _, text = explain(no_bus(e), "top")
    assert rc == 1
    assert [(s["type"], s.get("profile")) for s in doc["chain"]] == [
        ("assume-role", "top"), ("assume-role", "middle"), ("break", "bottom")]
    assert doc["chain"][0]["roleArn"] == f"{ROLE}-top"
    lines = text.stdout.splitlines()
    assert any(line.startswith("  1. AssumeRole") and "-top" in line for line in lines), text.stdout
    assert any(line.startswith("  3. BROKEN at profile 'bottom'") for line in lines), text.stdout


def test_a_helper_credential_process_is_followed_to_the_break(write_configs):
    e = write_configs(config=(
        "[profile admin]\ncredential_process = awskeyring-helper --profile admin-role\n"
        f"[profile admin-role]\nrole_arn = {ROLE}\nsource_profile = nope\n"))
    rc, doc, _, _ = explain(e, "admin")
    assert rc == 1
    assert doc["chain"][0] == {"type": "helper-credential-process", "profile": "admin", "target": "admin-role"}
    assert doc["chain"][1]["type"] == "assume-role" and doc["break"]["profile"] == "admin-role"


def test_no_dbus_still_explains_and_says_the_keys_were_not_checked(env, write_configs, tmp_path):
    profile = h.fresh_profile("nobus")
    keys = h.new_keys()
    assert store_from_env(env, profile, *keys).rc == 0
    e = write_configs(config=f"[profile {profile}]\nregion = eu-west-1\n"
                             f"[profile {profile}-role]\nrole_arn = {ROLE}\nsource_profile = {profile}\n")
    # With the keyring: stored, reachable.
    rc, doc, _, _ = explain(e, f"{profile}-role")
    assert rc == 0 and doc["chain"][0] == {"type": "keyring", "profile": profile, "stored": True}, doc
    assert doc["keyring"] == {"reachable": True}
    for without in (no_bus(e), dead_bus(e, tmp_path)):
        for name in (profile, f"{profile}-role"):
            rc, doc, err, text = explain(without, name)
            assert rc == 0, text.describe()
            assert doc["settings"] == botocore_view(e["AWS_CONFIG_FILE"], e["AWS_SHARED_CREDENTIALS_FILE"]).profiles[name]
            assert doc["keyring"]["reachable"] is False and "D-Bus" in doc["keyring"]["error"], doc
            assert doc["chain"][0] == {"type": "keyring", "profile": profile}, doc
            assert "not checked: the keyring could not be read" in text.stdout, text.describe()
            assert "Keyring: could not be read" in text.stdout
    # A profile only the keyring could know cannot be explained without it: a clean failure.
    h.assert_clean_failure(tool(["explain", "--profile", profile + "-unknown"], no_bus(e)), mentions=["D-Bus"])


def test_every_table_case_is_explained_without_dbus(tmp_path, env):
    """Every profile botocore reads in the table of tricky files, with no D-Bus session: settings as
    botocore builds them, whatever the chain."""
    views = 0
    for case in CASES:
        d = tmp_path / case.id
        d.mkdir()
        config, credentials = d / "config", d / "credentials"
        if case.config is not None:
            config.write_bytes(case.config)
        if case.credentials is not None:
            credentials.write_bytes(case.credentials)
        view = botocore_view(config, credentials)
        if view.error is not None:
            continue
        e = no_bus(env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials))
        for profile, expected in view.profiles.items():
            r = tool(["explain", "--profile=" + profile, "--json"], e)
            doc = json.loads(r.stdout)
            assert doc["settings"] == redacted(expected), (case.id, profile)
            assert r.rc == 0 or "break" in doc, r.describe()
            views += 1
    assert views >= 40


def _differential():
    spec = importlib.util.spec_from_file_location("config_differential", ROOT / "scripts" / "config-differential.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_configs_are_explained_for_every_profile(tmp_path, env):
    """Random files from the config differential's generator (fixed seed), no D-Bus: every profile
    botocore reads gets its settings, broken chains included."""
    generator = _differential()
    rng = random.Random(15)
    views = breaks = 0
    for number in range(60):
        config_bytes, credentials_bytes = generator.generate(rng)
        d = tmp_path / str(number)
        d.mkdir()
        config, credentials = d / "config", d / "credentials"
        for path, data in ((config, config_bytes), (credentials, credentials_bytes)):
            if data is not None:
                path.write_bytes(data)
        view = botocore_view(config, credentials)
        if view.error is not None:
            continue
        e = no_bus(env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials))
        for profile, expected in view.profiles.items():
            if not generator.usable_name(profile):
                continue
            r = tool(["explain", "--profile=" + profile, "--json"], e)
            assert r.stdout, f"file pair {number}, profile {profile!r}: nothing printed\n" + r.describe()
            doc = json.loads(r.stdout)
            assert doc["settings"] == redacted(expected), (number, profile)
            assert r.rc == 0 or "break" in doc, r.describe()
            views += 1
            breaks += "break" in doc
    assert views >= 40
