"""`explain --profile P --json`: `settings` must be botocore's merged map for P, for every file in the
table of tricky config files (config_cases.py); files botocore rejects must be rejected too.

Broken profiles are explained too: for every profile botocore reads it prints
the files and the merged settings, then the chain up to its first break and the break itself (a step,
and a `break` member with --json), and only then exits non-zero. It needs neither D-Bus nor the
keyring for the settings: without them it says the stored keys were not checked."""

import importlib.util
import json
import os
import random
from pathlib import Path

import pytest

import e2e_helpers as h
from config_cases import CASES, Case
from e2e_helpers import assert_clean_failure, botocore_view, env_with, store_from_env, tool

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


@pytest.fixture(scope="module")
def keys_profile(keyring):
    """A profile with stored keys (not named in any table file), to check that a broken config file
    also breaks the credential call and leaves the keys alone."""
    profile = h.fresh_profile("table-keys")
    keys = h.new_keys()
    assert store_from_env(keyring.env, profile, *keys).rc == 0
    return profile, keys


def _write_case(tmp_path, case: Case):
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    if case.config is not None:
        config.write_bytes(case.config)
    if case.credentials is not None:
        credentials.write_bytes(case.credentials)
    return config, credentials


def explain_json(env, profile) -> dict:
    r = tool(["explain", "--profile", profile, "--json"], env)
    assert r.rc == 0, f"explain --profile {profile!r} --json failed\n" + r.describe()
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        raise AssertionError(f"explain --json must print one JSON object ({e}):\n{r.stdout}") from None
    assert isinstance(doc, dict) and "settings" in doc, r.stdout
    h.assert_no_known_secret(r.stdout, "explain's output")
    return doc


def assert_rejects(result, error):
    """The tool refuses a file botocore refuses: clean failure naming the file (and line)."""
    assert_clean_failure(result)
    path = error.kwargs["path"]
    assert path in result.stderr, f"the message must name {path}\n" + result.describe()
    lines = h.config_error_line_numbers(error)
    if lines:
        rest = result.stderr.replace(path, "")
        assert h.mentions_number(rest, lines[0]), (
            f"botocore reports line {lines[0]}; the message must give it too\n" + result.describe()
        )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_explain_matches_botocore(case, tmp_path, env, keys_profile):
    config, credentials = _write_case(tmp_path, case)
    e = env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials)
    view = botocore_view(config, credentials)
    if view.error is None:
        for profile, expected in view.profiles.items():
            doc = explain_json(e, profile)
            assert doc["settings"] == expected, f"profile {profile!r}"
        # A profile botocore does not know, with no keys: a clear error.
        unknown = h.fresh_profile("unknown")
        assert_clean_failure(tool(["explain", "--profile", unknown, "--json"], e), mentions=[unknown])
    else:
        for profile in ("default", keys_profile[0]):
            assert_rejects(tool(["explain", "--profile", profile, "--json"], e), view.error)
            assert_rejects(tool(["explain", "--profile", profile], e), view.error)
        # The credential call cannot resolve the profile either, even with keys stored ...
        assert_rejects(tool(["--profile", keys_profile[0]], e), view.error)
        # ... and the keys are untouched.
        h.assert_keys(env, keys_profile[0], *keys_profile[1])


def test_table_covers_both_kinds(tmp_path):
    """The table means what it says: botocore accepts the cases meant as valid and rejects the others
    (if a botocore upgrade changes that, the table needs new cases, not new expectations)."""
    verdicts = {}
    for case in CASES:
        d = tmp_path / case.id
        d.mkdir()
        view = botocore_view(*_write_case(d, case))
        verdicts[case.id] = "valid" if view.error is None else "invalid"
    assert verdicts == {c.id: c.intent for c in CASES}
    assert sum(v == "valid" for v in verdicts.values()) >= 20
    assert sum(v == "invalid" for v in verdicts.values()) >= 15


def test_unknown_profile_without_keys(env, write_configs):
    profile = h.fresh_profile("explain-unknown")
    e = write_configs(config="[default]\nregion = us-east-1\n[profile known]\nregion = x\n")
    r = tool(["explain", "--profile", profile, "--json"], e)
    assert_clean_failure(r, mentions=[profile])
    r = tool(["explain", "--profile", profile], e)
    assert_clean_failure(r, mentions=[profile])


def test_explain_for_a_person(env, write_configs):
    """Without --json: which files were read and the merged settings, in words."""
    e = write_configs(
        config="[profile human]\nregion = eu-north-1\noutput = yaml\n",
        credentials="[human]\ncli_pager = less-please\n",
    )
    r = tool(["explain", "--profile", "human"], e)
    assert r.rc == 0, r.describe()
    for text in (e["AWS_CONFIG_FILE"], e["AWS_SHARED_CREDENTIALS_FILE"], "eu-north-1", "yaml", "less-please"):
        assert text in r.stdout, f"{text!r} missing from explain's output\n" + r.describe()


def test_explain_never_shows_the_stored_secret(env, write_configs):
    profile = h.fresh_profile("explain-secret")
    keys = h.new_keys()
    assert store_from_env(env, profile, *keys).rc == 0
    e = write_configs(config=f"[profile {profile}]\nregion = us-east-1\n")
    doc = explain_json(e, profile)
    assert doc["settings"] == botocore_view(e["AWS_CONFIG_FILE"], e["AWS_SHARED_CREDENTIALS_FILE"]).profiles[profile]
    r = tool(["explain", "--profile", profile], e)
    assert r.rc == 0, r.describe()
    h.assert_no_known_secret(r.stdout, "explain's output")
    assert keys[1] not in json.dumps(doc) and keys[1] not in r.stdout


def test_file_locations_default_to_home(env, tmp_path):
    """Without AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE: ~/.aws/config and ~/.aws/credentials."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[profile homed]\nregion = from-home-config\noutput = json\n")
    (home / ".aws" / "credentials").write_text("[homed]\nregion = from-home-credentials\n")
    e = env_with(env, HOME=home, AWS_CONFIG_FILE=None, AWS_SHARED_CREDENTIALS_FILE=None)
    import botocore.session

    with h.patched_environ(HOME=str(home), AWS_CONFIG_FILE=None, AWS_SHARED_CREDENTIALS_FILE=None, AWS_PROFILE=None):
        expected = botocore.session.Session(profile="homed").full_config["profiles"]["homed"]
    assert expected == {"region": "from-home-credentials", "output": "json"}  # botocore read both files
    assert explain_json(e, "homed")["settings"] == expected


def test_file_variables_are_expanded(env, tmp_path):
    """AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE may use ~ and $VARS."""
    home = tmp_path / "home"
    (home / "cfgdir").mkdir(parents=True)
    (home / "cfgdir" / "my config").write_text("[profile expanded]\nregion = tilde-region\nk = v\n")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "creds").write_text("[expanded]\nregion = var-region\n")
    values = {
        "HOME": str(home),
        "E2E_CREDS_DIR": str(other),
        "AWS_CONFIG_FILE": "~/cfgdir/my config",
        "AWS_SHARED_CREDENTIALS_FILE": "$E2E_CREDS_DIR/creds",
    }
    view = None
    with h.patched_environ(HOME=values["HOME"], E2E_CREDS_DIR=values["E2E_CREDS_DIR"]):
        view = botocore_view(values["AWS_CONFIG_FILE"], values["AWS_SHARED_CREDENTIALS_FILE"])
    assert view.profiles == {"expanded": {"region": "var-region", "k": "v"}}  # botocore expanded both
    assert explain_json(env_with(env, **values), "expanded")["settings"] == view.profiles["expanded"]


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_config_path_that_is_not_a_regular_file_reads_as_missing(env, tmp_path, kind):
    """botocore only reads regular files (os.path.isfile): a directory or FIFO counts as absent. The
    tool must agree, and must not block opening a FIFO."""
    config = tmp_path / "config"
    if kind == "directory":
        config.mkdir()
    else:
        os.mkfifo(config)
    credentials = tmp_path / "credentials"
    credentials.write_text("[creds-only]\nregion = eu-west-2\n")
    view = botocore_view(config, credentials)
    assert view.error is None and view.profiles == {"creds-only": {"region": "eu-west-2"}}
    e = env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials)
    r = tool(["explain", "--profile", "creds-only", "--json"], e, timeout=15)
    assert r.rc == 0, r.describe()
    assert json.loads(r.stdout)["settings"] == view.profiles["creds-only"]
