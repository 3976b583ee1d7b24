"""`list [--json]` and `remove --profile P [--yes]`."""

import json
import re

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_keys, assert_no_keys, store_from_env, tool

LINE = re.compile(r"^(?P<profile>\S.*?)[ \t]+(?P<id>[A-Z0-9]{16,128})[ \t]+stored (?:\d{4}-\d\d-\d\d|unknown)$")


def _list(env):
    r = tool(["list"], env)
    assert r.rc == 0, r.describe()
    h.assert_no_known_secret(r.stdout, "list's output")
    pairs = []
    for line in r.stdout.splitlines():
        m = LINE.match(line.rstrip())
        assert m, f"list prints `PROFILE  ACCESS_KEY_ID  stored YYYY-MM-DD` lines only; got {line!r}\n{r.stdout}"
        pairs.append((m["profile"], m["id"]))
    return pairs


def _list_json(env):
    r = tool(["list", "--json"], env)
    assert r.rc == 0, r.describe()
    h.assert_no_known_secret(r.stdout, "list --json's output")
    doc = json.loads(r.stdout)
    assert isinstance(doc, dict) and set(doc) == {"profiles"}, doc
    assert isinstance(doc["profiles"], list)
    for entry in doc["profiles"]:
        assert set(entry) == {"profile", "accessKeyId", "stored"}, entry
    return [(e["profile"], e["accessKeyId"]) for e in doc["profiles"]]


@pytest.fixture
def private_keyring(tmp_path):
    """A keyring of its own, so list's output can be compared exactly."""
    session = h.PrivateSession(tmp_path / "private")
    yield session
    session.stop()


def test_list_exactly(private_keyring):
    env = private_keyring.env
    assert _list(env) == []
    assert _list_json(env) == []
    stored = {
        "zeta": h.new_keys(),
        "alpha": h.new_keys(128),
        "mid-1": h.new_keys(16),
        "default": h.new_keys(),
    }
    for profile, keys in stored.items():  # not in sorted order on purpose
        assert store_from_env(env, profile, *keys).rc == 0
    expected = sorted((p, k[0]) for p, k in stored.items())
    assert _list_json(env) == expected
    assert sorted(_list(env)) == expected

    # Replacing keys shows the new id; removing drops the line.
    stored["zeta"] = h.new_keys()
    assert store_from_env(env, "zeta", *stored["zeta"], force=True).rc == 0
    assert tool(["remove", "--profile", "alpha", "--yes"], env).rc == 0
    del stored["alpha"]
    expected = sorted((p, k[0]) for p, k in stored.items())
    assert _list_json(env) == expected
    assert sorted(_list(env)) == expected


def test_list_in_the_shared_keyring(env):
    mine = {h.fresh_profile("list"): h.new_keys() for _ in range(3)}
    for profile, keys in mine.items():
        assert store_from_env(env, profile, *keys).rc == 0
    plain, as_json = _list(env), _list_json(env)
    assert sorted(plain) == sorted(as_json)
    assert [p for p, _ in as_json] == sorted(p for p, _ in as_json), "list --json is sorted by profile"
    for profile, keys in mine.items():
        assert (profile, keys[0]) in as_json
        assert (profile, keys[0]) in plain


def test_remove_yes(env):
    profile, other = h.fresh_profile("rm"), h.fresh_profile("rm-other")
    keys, other_keys = h.new_keys(), h.new_keys()
    assert store_from_env(env, profile, *keys).rc == 0
    assert store_from_env(env, other, *other_keys).rc == 0
    r = tool(["remove", "--profile", profile, "--yes"], env)
    assert r.rc == 0, r.describe()
    assert_no_keys(env, profile)
    assert profile not in [p for p, _ in _list_json(env)]
    assert_keys(env, other, *other_keys)
    # Gone means gone: it can be stored again without --force.
    again = h.new_keys()
    assert store_from_env(env, profile, *again).rc == 0
    assert_keys(env, profile, *again)


def test_remove_without_yes_and_without_terminal_refuses(env):
    profile = h.fresh_profile("rm-notty")
    keys = h.new_keys()
    assert store_from_env(env, profile, *keys).rc == 0
    r = tool(["remove", "--profile", profile], env)
    assert_clean_failure(r, mentions=["--yes"])
    assert_keys(env, profile, *keys)


def test_remove_a_profile_without_keys(env):
    profile = h.fresh_profile("rm-none")
    r = tool(["remove", "--profile", profile, "--yes"], env)
    assert_clean_failure(r, mentions=[profile])


def _remove_in_pty(env, profile, answer):
    pty = h.Pty(["remove", "--profile", profile], env)
    try:
        pty.expect_exact("[y/N] ")
        pty.sendline(answer)
        return pty.finish(), pty.transcript
    finally:
        pty.close()


@pytest.mark.parametrize("answer", ["n", "N", "", "no thanks"], ids=["n", "N", "enter", "other"])
def test_remove_in_terminal_answer_no_keeps_keys(env, answer):
    profile = h.fresh_profile("rm-tty-no")
    keys = h.new_keys()
    assert store_from_env(env, profile, *keys).rc == 0
    status, transcript = _remove_in_pty(env, profile, answer)
    # Declining is not a success: the command did not do what it was asked, and says what it kept.
    assert status == 1, transcript
    assert f"kept the keys stored for profile '{profile}'" in transcript, transcript
    h.assert_no_known_secret(transcript, "the terminal")
    assert_keys(env, profile, *keys)


def test_remove_in_terminal_answer_yes_removes(env):
    profile = h.fresh_profile("rm-tty-yes")
    assert store_from_env(env, profile, *h.new_keys()).rc == 0
    status, transcript = _remove_in_pty(env, profile, "y")
    assert status == 0, transcript
    h.assert_no_known_secret(transcript, "the terminal")
    assert_no_keys(env, profile)
