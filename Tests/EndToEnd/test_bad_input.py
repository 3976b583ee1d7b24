"""Bad input: no D-Bus session, no Secret Service, broken config files. Each gives a non-zero exit,
nothing on stdout, a clear message, and leaves the stored keys as they were."""

import os

import pytest

import e2e_helpers as h
from config_cases import CASES
from e2e_helpers import assert_clean_failure, assert_keys, assert_no_keys, env_with, store_from_env, tool

DBUS_WORDS = ["d-bus", "dbus", "secret service"]


@pytest.fixture(scope="module")
def stored(keyring):
    """Two profiles with keys in the shared keyring, stored while it is reachable."""
    profiles = {h.fresh_profile("bad-input"): h.new_keys() for _ in range(2)}
    for profile, keys in profiles.items():
        r = store_from_env(keyring.env, profile, *keys)
        assert r.rc == 0, r.describe()
    return profiles


def _check_unreachable(broken_env, good_env, profiles, mentions_any):
    """Every keyring command fails cleanly in `broken_env`; afterwards (with `good_env`) the stored
    keys are unchanged and nothing new was stored."""
    existing = next(iter(profiles))
    fresh = h.fresh_profile("never-stored")
    new_keys = {"AWS_ACCESS_KEY_ID": h.new_access_key_id(), "AWS_SECRET_ACCESS_KEY": h.new_secret()}
    commands = [
        (["--profile", existing], {}),
        (["credentials", "--profile", existing], {}),
        (["store", "--profile", existing, "--from-env", "--force"], new_keys),
        (["store", "--profile", fresh, "--from-env"], new_keys),
        (["list"], {}),
        (["list", "--json"], {}),
        (["remove", "--profile", existing, "--yes"], {}),
    ]
    for args, extra in commands:
        r = tool(args, env_with(broken_env, **extra))
        assert_clean_failure(r, mentions_any=mentions_any)
    for profile, keys in profiles.items():
        assert_keys(good_env, profile, *keys)
    assert_no_keys(good_env, fresh)


@pytest.fixture
def no_bus_env(env, tmp_path):
    runtime = tmp_path / "empty-runtime"  # no `bus` socket here for GLib to fall back on
    runtime.mkdir(mode=0o700)
    return env_with(env, XDG_RUNTIME_DIR=runtime, DISPLAY=None, WAYLAND_DISPLAY=None)


def test_bus_address_to_a_missing_socket(env, no_bus_env, stored):
    broken = env_with(no_bus_env, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent")
    _check_unreachable(broken, env, stored, DBUS_WORDS)


def test_no_bus_address_and_no_display(env, no_bus_env, stored):
    broken = env_with(no_bus_env, DBUS_SESSION_BUS_ADDRESS=None)
    _check_unreachable(broken, env, stored, DBUS_WORDS)


def test_bus_without_a_secret_service(env, tmp_path, stored):
    """A live D-Bus session where nothing provides org.freedesktop.secrets (and nothing can be
    activated): the message must be about the Secret Service."""
    bus_only = h.PrivateSession(tmp_path / "bus-only", with_keyring=False)
    try:
        broken = dict(bus_only.env)
        _check_unreachable(broken, env, stored, ["secret service", "org.freedesktop.secrets", "keyring"])
    finally:
        bus_only.stop()


INVALID = [c for c in CASES if c.intent == "invalid" and c.id in (
    "invalid-duplicate-section",
    "invalid-no-delimiter",
    "invalid-text-before-first-section",
    "invalid-utf8",
    "invalid-binary-config",
    "invalid-credentials-binary",
)]


@pytest.mark.parametrize("case", INVALID, ids=[c.id for c in INVALID])
def test_broken_config_files_break_every_config_reader(env, tmp_path, stored, case):
    """A file botocore rejects stops the credential call and explain; store/list/remove do not need the
    config files (they work on the keyring alone) and are not asked to fail here."""
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    if case.config is not None:
        config.write_bytes(case.config)
    if case.credentials is not None:
        credentials.write_bytes(case.credentials)
    view = h.botocore_view(config, credentials)
    assert view.error is not None, "botocore rejects this file"
    path = view.error.kwargs["path"]
    broken = env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials)
    profile = next(iter(stored))
    for args in (["--profile", profile], ["credentials", "--profile", profile],
                 ["explain", "--profile", profile, "--json"]):
        r = tool(args, broken)
        assert_clean_failure(r, mentions=[path])
    for p, keys in stored.items():
        assert_keys(env, p, *keys)


def test_missing_profile_with_a_config_file(env, write_configs):
    profile = h.fresh_profile("missing")
    e = write_configs(config="[default]\nregion = us-east-1\n", credentials="[other]\nregion = x\n")
    for args in (["--profile", profile], ["explain", "--profile", profile, "--json"]):
        assert_clean_failure(tool(args, e), mentions=[profile])


def test_secret_hygiene_across_commands(env, write_configs, stored):
    """No output meant for people carries a stored secret (run() also checks every stderr)."""
    profile, keys = next(iter(stored.items()))
    e = write_configs(config=f"[profile {profile}]\nregion = us-east-1\n")
    outputs = []
    for args in (["list"], ["list", "--json"], ["explain", "--profile", profile], ["explain", "--profile", profile, "--json"]):
        r = tool(args, e)
        assert r.rc == 0, r.describe()
        outputs.append(r.stdout + r.stderr)
    # Failing commands too: refused overwrite, malformed key, removal without --yes.
    r = store_from_env(e, profile, keys[0], keys[1])
    assert r.rc != 0
    outputs.append(r.stdout + r.stderr)
    r = store_from_env(e, profile, keys[0], keys[1][:-1], force=True)
    assert r.rc != 0
    outputs.append(r.stdout + r.stderr)
    r = tool(["remove", "--profile", profile], e)
    assert r.rc != 0
    outputs.append(r.stdout + r.stderr)
    for text in outputs:
        h.assert_no_known_secret(text, "the output")
        assert keys[1] not in text and keys[1][:-1] not in text
    assert_keys(env, profile, *keys)


def test_unreadable_config_file_is_a_clear_error(env, tmp_path):
    """botocore skips a config file it cannot open; the tool says so instead. Root reads everything, so
    the tool runs as the unprivileged user 'nobody' (setpriv) on a file only root may read."""
    if os.geteuid() == 0:
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    else:
        prefix = []
    folder = tmp_path / "unreadable"
    folder.mkdir(mode=0o755)
    os.chmod(tmp_path, 0o755)
    config = folder / "config"
    config.write_text("[profile p]\nregion = eu-west-1\n")
    config.chmod(0o000 if not prefix else 0o600)
    e = env_with(env, AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(folder / "none"))
    for args in (["--profile", "p"], ["explain", "--profile", "p"]):
        r = h.run([*prefix, h.helper_bin(), *args], e)
        assert_clean_failure(r, mentions=[str(config), "cannot be read"])
