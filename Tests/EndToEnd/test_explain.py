"""`explain --profile P --json`: `settings` must be botocore's merged map for P, for every file in the
table of tricky config files (config_cases.py); files botocore rejects must be rejected too."""

import json
import os

import pytest

import e2e_helpers as h
from config_cases import CASES, Case
from e2e_helpers import assert_clean_failure, botocore_view, env_with, store_from_env, tool


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
