"""The credential_process document for stored long-lived keys, and how the profile is chosen."""

import json

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_keys, credential_document, env_with, store_from_env, tool


def _stored(env, prefix="cred", id_length=20):
    profile = h.fresh_profile(prefix)
    keys = h.new_keys(id_length)
    r = store_from_env(env, profile, *keys)
    assert r.rc == 0, r.describe()
    return profile, keys


def _expected(keys):
    return {"Version": 1, "AccessKeyId": keys[0], "SecretAccessKey": keys[1]}


def test_profile_option(env):
    profile, keys = _stored(env)
    r = tool(["--profile", profile], env)
    assert credential_document(r) == _expected(keys)
    assert r.stderr == ""
    # Exactly one JSON document and nothing else (json.loads rejects trailing data, but be explicit).
    assert r.stdout.strip().startswith("{") and r.stdout.strip().endswith("}")
    assert r.stdout.count("{") == 1
    doc = json.loads(r.stdout)
    assert type(doc["Version"]) is int
    assert "SessionToken" not in doc and "Expiration" not in doc


def test_credentials_subcommand(env):
    profile, keys = _stored(env)
    r = tool(["credentials", "--profile", profile], env)
    assert credential_document(r) == _expected(keys)
    assert r.stderr == ""


def test_every_spelling_of_the_plain_call_gives_the_same_document(env):
    """The plain call is answered before the full argument parser runs; every spelling must still agree
    with the parsed forms (--refresh and the credentials subcommand go through the parser)."""
    profile, keys = _stored(env)
    for args in (
        ["--profile", profile],
        [f"--profile={profile}"],
        ["credentials", f"--profile={profile}"],
        ["credentials", "--profile", profile, "--refresh"],
        ["--refresh", "--profile", profile],
    ):
        r = tool(args, env)
        assert credential_document(r) == _expected(keys), args
        assert r.stderr == "", args


def test_malformed_plain_calls_are_usage_errors(env):
    for args in (["--profile"], ["--profile="], ["--profile", ""], ["credentials", "--profile"], ["--nope"]):
        r = tool(args, env)
        assert r.rc == 64, (args, r.describe())
        assert r.stdout == "", args
        assert "profile" in r.stderr.lower() or "unknown option" in r.stderr.lower(), (args, r.describe())


def test_aws_profile_variable(env):
    profile, keys = _stored(env)
    for args in ([], ["credentials"]):
        r = tool(args, env_with(env, AWS_PROFILE=profile))
        assert credential_document(r) == _expected(keys), args
        assert r.stderr == ""


def test_profile_option_wins_over_aws_profile(env):
    profile, keys = _stored(env)
    other, _ = _stored(env)
    r = tool(["--profile", profile], env_with(env, AWS_PROFILE=other))
    assert credential_document(r) == _expected(keys)


def test_default_profile_when_nothing_is_named(env):
    keys = h.new_keys()
    r = store_from_env(env, "default", *keys, force=True)
    assert r.rc == 0, r.describe()
    e = env_with(env, AWS_PROFILE=None, AWS_DEFAULT_PROFILE=None)
    for args in ([], ["credentials"]):
        r = tool(args, e)
        assert credential_document(r) == _expected(keys), args
        assert r.stderr == ""


def test_long_access_key_id(env):
    profile, keys = _stored(env, id_length=128)
    assert_keys(env, profile, *keys)


def test_profile_in_config_without_role(env, write_configs):
    profile, keys = _stored(env)
    e = write_configs(config=f"[default]\nregion = eu-west-1\n\n[profile {profile}]\nregion = us-west-2\noutput = json\n")
    assert_keys(e, profile, *keys)


def test_profile_in_credentials_file_without_role(env, write_configs):
    profile, keys = _stored(env)
    e = write_configs(config="[default]\nregion = eu-west-1\n", credentials=f"[{profile}]\nregion = us-west-2\n")
    assert_keys(e, profile, *keys)


def test_profile_absent_from_existing_config(env, write_configs):
    profile, keys = _stored(env)
    e = write_configs(config="[default]\nregion = eu-west-1\n[profile other]\nregion = x\n",
                      credentials="[other2]\nregion = y\n")
    assert_keys(e, profile, *keys)


def test_no_config_files_at_all(env, write_configs):
    profile, keys = _stored(env)
    assert_keys(write_configs(), profile, *keys)


def test_missing_keys_for_a_configured_profile(env, write_configs):
    profile = h.fresh_profile("nokeys")
    e = write_configs(config=f"[profile {profile}]\nregion = us-east-1\n")
    r = tool(["--profile", profile], e)
    assert_clean_failure(r, mentions=[f"awskeyring-helper store --profile {profile}"])


def test_missing_keys_and_missing_profile(env):
    profile = h.fresh_profile("nowhere")
    for args in (["--profile", profile], ["credentials", "--profile", profile]):
        r = tool(args, env)
        assert_clean_failure(r, mentions=[profile, f"awskeyring-helper store --profile {profile}"])


def test_missing_profile_named_by_aws_profile(env):
    profile = h.fresh_profile("env-nowhere")
    r = tool([], env_with(env, AWS_PROFILE=profile))
    assert_clean_failure(r, mentions=[f"awskeyring-helper store --profile {profile}"])
