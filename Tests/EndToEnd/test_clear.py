"""`clear` does what the user means: `clear --profile admin`, where admin's
credential_process is `awskeyring-helper --profile admin-role`, clears admin-role's sessions; a name
nobody knows is refused with the nearest names; with the keyring locked the message says what was and
was not cleared."""

import shlex

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, credential_document, env_with, store_from_env, tool
from fake_sts import running

ROLE_ARN = "arn:aws:iam::123456789012:role/everyday-clear"


@pytest.fixture
def sts():
    with running(region=None, roles_need_mfa=False) as server:
        yield server


def session_items(env, profile) -> int:
    """Cached sessions (kind=session) of `profile` in the Secret Service, counted with secret-tool."""
    r = h.run(["secret-tool", "search", "--all", "kind", "session", "profile", profile], env, timeout=15)
    assert r.rc in (0, 1), r.describe()
    return sum(1 for line in (r.stdout + r.stderr).splitlines() if line.startswith("[/"))


def admin_setup(env, write_configs, sts, helper_bin, name):
    base, role, admin = (h.fresh_profile(p) for p in ("base", "admin-role", "admin"))
    config = (
        f"[profile {base}]\nregion = eu-west-1\n\n"
        f"[profile {role}]\nrole_arn = {ROLE_ARN}\nsource_profile = {base}\nregion = eu-west-1\n\n"
        f"[profile {admin}]\ncredential_process = {shlex.quote(helper_bin)} --profile {role}\n"
    )
    e = env_with(write_configs(config=config, name=name), AWS_ENDPOINT_URL_STS=sts.url)
    keys = h.new_keys()
    assert store_from_env(e, base, *keys).rc == 0
    sts.add_user(*keys)
    return e, base, role, admin


def test_clear_follows_the_helper_credential_process(env, write_configs, sts, helper_bin):
    e, base, role, admin = admin_setup(env, write_configs, sts, helper_bin, "follow")
    first = credential_document(tool(["--profile", admin], e))
    assert len(sts.requests) == 1 and session_items(e, role) == 1
    # Signed as the role profile's own process (the one admin's credential_process runs) signs it: for
    # the role profile's region, not for admin's (none, so us-east-1).
    assert "/eu-west-1/sts/aws4_request" in (sts.requests[0].header("Authorization") or ""), sts.describe()
    assert credential_document(tool(["--profile", admin], e)) == first
    assert len(sts.requests) == 1, "the second call is answered from the cache"

    r = tool(["clear", "--profile", admin], e)
    assert r.rc == 0, r.describe()
    assert f"'{admin}'" in r.stderr and f"'{role}'" in r.stderr and "Removed 1 cached session" in r.stderr
    assert session_items(e, role) == 0
    second = credential_document(tool(["--profile", admin], e))
    assert len(sts.requests) == 2 and second["AccessKeyId"] != first["AccessKeyId"], "cleared: STS again"
    assert h.key_items(e, base), "the stored keys stay"


def test_clear_of_an_unknown_profile_is_refused_with_the_nearest_names(env, write_configs, sts, helper_bin):
    e, base, role, admin = admin_setup(env, write_configs, sts, helper_bin, "unknown")
    credential_document(tool(["--profile", role], e))
    r = tool(["clear", "--profile", "nope"], e)
    assert_clean_failure(r, mentions=["no profile 'nope'", "nothing was cleared"])
    typo = role[:-1]  # one character short of a real profile
    r = tool(["clear", "--profile", typo], e)
    assert_clean_failure(r, mentions=[f"did you mean '{role}'?"])
    assert session_items(e, role) == 1, "a refused clear touches nothing"
    # A name only the keyring knows (keys stored, no section) is accepted.
    keyring_only = h.fresh_profile("keyring-only")
    assert store_from_env(e, keyring_only, *h.new_keys()).rc == 0
    r = tool(["clear", "--profile", keyring_only], e)
    assert r.rc == 0 and "Removed 0 cached sessions" in r.stderr, r.describe()


def test_clear_with_the_keyring_locked_says_what_was_not_cleared(tmp_path, sts, helper_bin):
    session = h.PrivateSession(tmp_path / "locked")
    try:
        e = dict(session.env)
        (tmp_path / "cfg").mkdir()
        base, role = "base", "role"
        (tmp_path / "cfg" / "config").write_text(
            f"[profile {base}]\nregion = eu-west-1\n[profile {role}]\nrole_arn = {ROLE_ARN}\nsource_profile = {base}\n")
        e = env_with(e, AWS_CONFIG_FILE=tmp_path / "cfg" / "config", AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none",
                     AWS_ENDPOINT_URL_STS=sts.url)
        keys = h.new_keys()
        assert store_from_env(e, base, *keys).rc == 0
        sts.add_user(*keys)
        credential_document(tool(["--profile", role], e))
        assert session_items(e, role) == 1
        session.lock()
        for args in (["clear", "--profile", role], ["clear"]):
            r = tool(args, e)
            assert_clean_failure(r, mentions=["locked", "NOT cleared", "awskeyring-helper unlock"])
        session.unlock()
        assert session_items(e, role) == 1, "the locked keyring's sessions are still there, as the message said"
        r = tool(["clear", "--profile", role], e)
        assert r.rc == 0 and "Removed 1 cached session" in r.stderr, r.describe()
        assert session_items(e, role) == 0
    finally:
        session.stop()
