"""`store`: from the environment (no terminal) and interactively through a pseudo-terminal."""

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_keys, assert_no_keys, env_with, store_from_env, tool


def _register(secret: str) -> str:
    # Malformed secrets must not leak either; skip short ones that could match by accident.
    if len(secret) >= 20:
        h.KNOWN_SECRETS.add(secret)
    return secret


# ------------------------------------------------------------------------------------------------
# --from-env


def test_store_from_env(env):
    profile = h.fresh_profile("store")
    akid, secret = h.new_keys()
    r = store_from_env(env, profile, akid, secret)
    assert r.rc == 0, r.describe()
    assert r.stdout == "", "store writes nothing on stdout\n" + r.describe()
    assert r.stderr.strip(), "store confirms on stderr\n" + r.describe()
    assert profile in r.stderr, "the confirmation names the profile\n" + r.describe()
    assert_keys(env, profile, akid, secret)


@pytest.mark.parametrize(
    "akid",
    [
        "AKIA" + "0" * 12,  # 16 characters: the shortest allowed
        "AKIA" + "Z9" * 62,  # 128 characters: the longest allowed
        "ASIAJEXAMPLEXAMPLE12",
        "0123456789ABCDEF",  # digits and upper-case letters, no prefix needed
    ],
    ids=["16-chars", "128-chars", "ASIA", "no-prefix"],
)
def test_store_accepts_valid_key_shapes(env, akid):
    profile = h.fresh_profile("shape-ok")
    secret = h.new_secret()
    r = store_from_env(env, profile, akid, secret)
    assert r.rc == 0 and r.stdout == "", r.describe()
    assert_keys(env, profile, akid, secret)


GOOD_ID = "AKIAIOSFODNN7EXAMPLE"

BAD_IDS = {
    "id-15-chars": "AKIA" + "0" * 11,
    "id-129-chars": "AKIA" + "A" * 125,
    "id-lower-case": "akiaiosfodnn7example",
    "id-mixed-case": "AKIAiosfodnn7EXAMPLE",
    "id-dash": "AKIA-IOSFODNN7EXAMP",
    "id-inner-space": "AKIAIOSF ODNN7EXAMPLE",
    "id-non-ascii-upper": "AKIAÉIOSFODNN7EXAMPL",
    "id-empty": "",
}

BAD_SECRETS = {
    "secret-39-chars": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE",
    "secret-41-chars": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYY",
    "secret-inner-space": "wJalrXUtnFEMI/K7MDENG bPxRfiCYEXAMPLEKEY",
    "secret-tab": "wJalrXUtnFEMI/K7MDENG\tbPxRfiCYEXAMPLEKEY",
    "secret-newline": "wJalrXUtnFEMI/K7MDENG\nbPxRfiCYEXAMPLEKEY",
    "secret-control-char": "wJalrXUtnFEMI/K7MDENG\x01bPxRfiCYEXAMPLEKEY",
    "secret-DEL": "wJalrXUtnFEMI/K7MDENG\x7fbPxRfiCYEXAMPLEKEY",
    "secret-empty": "",
}

BAD_SHAPES = (
    [pytest.param(v, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "access key id", id=k) for k, v in BAD_IDS.items()]
    + [pytest.param(GOOD_ID, v, "secret access key", id=k) for k, v in BAD_SECRETS.items()]
)


def _names(what):
    """What is wrong, in words or as the variable's name ('secret access key', AWS_SECRET_ACCESS_KEY)."""
    return [what, "aws_" + what.replace(" ", "_")]


@pytest.mark.parametrize("akid,secret,what", BAD_SHAPES)
def test_store_rejects_malformed_keys_for_a_new_profile(env, akid, secret, what):
    _register(secret)
    profile = h.fresh_profile("bad-shape")
    r = store_from_env(env, profile, akid, secret)
    assert_clean_failure(r, mentions_any=_names(what))
    assert_no_keys(env, profile)


@pytest.mark.parametrize("akid,secret,what", BAD_SHAPES)
def test_store_rejects_malformed_keys_and_keeps_the_old_ones(env, akid, secret, what):
    _register(secret)
    profile = h.fresh_profile("bad-shape-keep")
    old_id, old_secret = h.new_keys()
    assert store_from_env(env, profile, old_id, old_secret).rc == 0
    r = store_from_env(env, profile, akid, secret, force=True)
    assert_clean_failure(r, mentions_any=_names(what))
    assert_keys(env, profile, old_id, old_secret)


@pytest.mark.parametrize("around", ["\n", " ", "\t", "\r\n"], ids=["newline", "space", "tab", "crlf"])
def test_store_trims_whitespace_around_pasted_keys(env, around):
    """Keys pasted from a console or read with $(cat file) often carry a line end: it is not part of the
    key, so it is dropped (whitespace inside a key is still refused, see BAD_SHAPES)."""
    profile = h.fresh_profile("store-trim")
    akid, secret = h.new_keys()
    r = store_from_env(env, profile, akid + around, around + secret + around)
    assert r.rc == 0 and r.stdout == "", r.describe()
    assert_keys(env, profile, akid, secret)


@pytest.mark.parametrize(
    "present,missing",
    [
        ({"AWS_ACCESS_KEY_ID": GOOD_ID}, "AWS_SECRET_ACCESS_KEY"),
        ({"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, "AWS_ACCESS_KEY_ID"),
        ({}, "AWS_ACCESS_KEY_ID"),
    ],
    ids=["no-secret-variable", "no-id-variable", "no-variables"],
)
def test_store_from_env_needs_both_variables(env, present, missing):
    profile = h.fresh_profile("store-missing-var")
    e = env_with(env, **{"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, **present})
    r = tool(["store", "--profile", profile, "--from-env"], e)
    assert_clean_failure(r, mentions=[missing])
    assert_no_keys(env, profile)


def test_store_refuses_to_replace_without_force_or_terminal(env):
    profile = h.fresh_profile("store-exists")
    old = h.new_keys()
    assert store_from_env(env, profile, *old).rc == 0
    new = h.new_keys()
    r = store_from_env(env, profile, *new)
    assert_clean_failure(r, mentions=["--force"])
    assert_keys(env, profile, *old)


def test_store_force_replaces(env):
    profile = h.fresh_profile("store-force")
    assert store_from_env(env, profile, *h.new_keys()).rc == 0
    new = h.new_keys()
    r = store_from_env(env, profile, *new, force=True)
    assert r.rc == 0 and r.stdout == "", r.describe()
    assert_keys(env, profile, *new)


def test_store_force_on_a_new_profile(env):
    profile = h.fresh_profile("store-force-new")
    keys = h.new_keys()
    r = store_from_env(env, profile, *keys, force=True)
    assert r.rc == 0 and r.stdout == "", r.describe()
    assert_keys(env, profile, *keys)


def test_profiles_are_independent(env):
    first, second = h.fresh_profile("indep"), h.fresh_profile("indep")
    k1, k2 = h.new_keys(), h.new_keys()
    assert store_from_env(env, first, *k1).rc == 0
    assert store_from_env(env, second, *k2).rc == 0
    assert_keys(env, first, *k1)
    assert_keys(env, second, *k2)
    k3 = h.new_keys()
    assert store_from_env(env, second, *k3, force=True).rc == 0
    assert_keys(env, first, *k1)
    assert_keys(env, second, *k3)


def test_profile_names_are_case_sensitive(env):
    lower = h.fresh_profile("case")
    upper = lower.upper()
    k1, k2 = h.new_keys(), h.new_keys()
    assert store_from_env(env, lower, *k1).rc == 0
    assert_no_keys(env, upper)
    assert store_from_env(env, upper, *k2).rc == 0
    assert_keys(env, lower, *k1)
    assert_keys(env, upper, *k2)


def test_keys_are_kept_in_the_secret_service(env, keyring):
    """Checked over D-Bus without the tool: the keys are items of the session's default collection,
    labelled for people, the secret only in the item's (encrypted) secret, never in an attribute or a
    label, and never in a file; `remove` deletes the items."""
    profile = h.fresh_profile("in-keyring")
    akid, secret = h.new_keys()
    assert store_from_env(env, profile, akid, secret).rc == 0
    mine = h.keyring_items(env, profile=profile)
    assert mine, f"no Secret Service item has the attribute profile={profile!r}"
    for item in mine:
        assert profile in item["label"], f"the label should say which profile: {item}"
        assert item["attributes"].get("xdg:schema"), f"items carry a schema name: {item}"
        for variant in h.secret_variants(secret):
            assert variant not in item["label"] and variant not in repr(item["attributes"]), item
    secrets_held = [h.keyring_secret(env, i["attributes"]) for i in mine]
    assert any(v in held for held in secrets_held for v in h.secret_variants(secret)), (
        f"the secret access key is in the keyring: {len(secrets_held)} item(s) searched"
    )
    # No file of the session (HOME, XDG dirs, the keyring's own files) holds the secret in clear.
    for path in keyring.root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            for variant in h.secret_variants(secret):
                assert variant.encode() not in data, f"{path} holds the secret in clear"
    r = tool(["remove", "--profile", profile, "--yes"], env)
    assert r.rc == 0, r.describe()
    assert not h.keyring_items(env, profile=profile)


# ------------------------------------------------------------------------------------------------
# Interactive, through a pseudo-terminal


def _interactive_store(env, profile, akid, secret, answer=None):
    """Runs `store --profile P` in a pty. With `answer`, expects the replace question first."""
    pty = h.Pty(["store", "--profile", profile, "--no-configure"], env)
    try:
        if answer is not None:
            before = pty.expect_exact("[y/N] ")
            assert "Access Key ID" not in before, "the replace question comes before the key prompts"
            pty.sendline(answer)
            if answer.lower() != "y":
                status = pty.finish()
                assert "Access Key ID:" not in pty.transcript, pty.transcript
                return status, pty.transcript
        pty.expect_exact("Access Key ID: ")
        pty.sendline(akid)
        pty.expect_exact("Secret Access Key: ")
        pty.sendline(secret)
        status = pty.finish()
        return status, pty.transcript
    finally:
        pty.close()


def test_store_without_from_env_and_without_terminal(env):
    """Nothing to ask on: a clean failure, and nothing stored (the variables are not used silently)."""
    profile = h.fresh_profile("no-tty")
    akid, secret = h.new_keys()
    r = tool(["store", "--profile", profile], env_with(env, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret))
    assert_clean_failure(r)
    assert_no_keys(env, profile)


def test_store_interactive(env):
    profile = h.fresh_profile("tty")
    akid, secret = h.new_keys()
    status, transcript = _interactive_store(env, profile, akid, secret)
    assert status == 0, transcript
    # The Access Key ID is echoed, the secret never shown.
    prompt_at = transcript.index("Access Key ID: ")
    assert akid in transcript[prompt_at:], transcript
    h.assert_no_known_secret(transcript, "the terminal")
    assert secret not in transcript
    assert_keys(env, profile, akid, secret)


def test_store_interactive_existing_keys_answer_no_keeps_them(env):
    profile = h.fresh_profile("tty-no")
    old = h.new_keys()
    assert store_from_env(env, profile, *old).rc == 0
    _, transcript = _interactive_store(env, profile, *h.new_keys(), answer="n")
    h.assert_no_known_secret(transcript, "the terminal")
    assert_keys(env, profile, *old)


def test_store_interactive_existing_keys_default_answer_keeps_them(env):
    profile = h.fresh_profile("tty-enter")
    old = h.new_keys()
    assert store_from_env(env, profile, *old).rc == 0
    _interactive_store(env, profile, *h.new_keys(), answer="")
    assert_keys(env, profile, *old)


def test_store_interactive_existing_keys_answer_yes_replaces(env):
    profile = h.fresh_profile("tty-yes")
    assert store_from_env(env, profile, *h.new_keys()).rc == 0
    akid, secret = h.new_keys()
    status, transcript = _interactive_store(env, profile, akid, secret, answer="y")
    assert status == 0, transcript
    assert secret not in transcript
    h.assert_no_known_secret(transcript, "the terminal")
    assert_keys(env, profile, akid, secret)
