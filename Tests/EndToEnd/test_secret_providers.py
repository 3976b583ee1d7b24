"""KeePassXC and KWallet as the Secret Service, each alone on a private bus, with their default settings:
store, the credential call, a cached role session, the provider's own lock, `lock`, `unlock` through the
provider's prompt and `remove`; and KeePassXC's two defaults that need a person at a dialog ("confirm
access" for each new program, "unlock before search"), answered by a person (xdotool typing into the
dialog) and unanswered (a clear error within the bound).
"""

from __future__ import annotations

import time

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, assert_success, credential_document, env_with, store_from_env, tool
from fake_sts import running
from secret_providers import KeePassXC, KWallet

# The profiles' mfa_prompt_timeout: how long a call waits for a person at the provider's dialog.
DIALOG_BOUND = 4
SLACK = 4
ROLE_ARN = "arn:aws:iam::123456789012:role/provider-e2e"


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """Each provider, started once for the module when first needed."""
    running = {}

    def get(kind):
        if kind not in running:
            running[kind] = kind(tmp_path_factory.mktemp(kind.name.lower()))
        return running[kind]

    yield get
    for p in running.values():
        p.stop()


@pytest.fixture(params=[KeePassXC, KWallet], ids=["keepassxc", "kwallet"])
def provider(request, started):
    return started(request.param)


@pytest.fixture
def keepassxc(started):
    return started(KeePassXC)


@pytest.fixture(scope="module")
def sts():
    with running(region="eu-west-1", roles_need_mfa=False) as fake:
        yield fake


def make_setup(provider, sts, tmp_path):
    """A profile with stored keys and a role profile on it; returns (env, base, role, keys)."""
    base, role = h.fresh_profile("base"), h.fresh_profile("role")
    config = tmp_path / "config"
    config.write_text(
        f"[profile {base}]\nmfa_prompt_timeout = {DIALOG_BOUND}\n"
        f"[profile {role}]\nrole_arn = {ROLE_ARN}\nsource_profile = {base}\nregion = eu-west-1\n"
        f"mfa_prompt_timeout = {DIALOG_BOUND}\n")
    env = env_with(provider.env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none",
                   AWS_ENDPOINT_URL_STS=sts.url)
    keys = h.new_keys()
    with provider.person_answering(provider.dialogs()):
        stored = store_from_env(env, base, *keys)
        if stored.rc != 0 and "Can't find session" in stored.stderr and provider.name == "KWallet":
            # kwalletd5 sometimes forgets the session libsecret opened a moment before (seen under heavy
            # load, once in about three full runs); the set-up stores again rather than fail a test about
            # something else. A failure here twice is a failure.
            stored = store_from_env(env, base, *keys)
        assert_success(stored)
    sts.add_user(*keys)
    return env, base, role, keys


@pytest.fixture
def setup(provider, sts, tmp_path):
    return make_setup(provider, sts, tmp_path)


@pytest.fixture
def kx_setup(keepassxc, sts, tmp_path):
    return make_setup(keepassxc, sts, tmp_path)


def bounded(args, env, bound):
    start = time.monotonic()
    result = tool(args, env, timeout=bound + 60)
    elapsed = time.monotonic() - start
    assert elapsed < bound + SLACK, f"took {elapsed:.1f}s (bound {bound}s)\n" + result.describe()
    return result


def test_store_call_and_remove(provider, setup):
    env, base, _, keys = setup
    with provider.person_answering(provider.dialogs()):
        document = credential_document(tool(["--profile", base], env))
        assert (document["AccessKeyId"], document["SecretAccessKey"]) == keys
        assert_success(tool(["remove", "--profile", base, "--yes"], env))
        assert_clean_failure(tool(["--profile", base], env), mentions=["no keys are stored"])


def test_a_role_session_is_cached_in_the_provider(provider, setup, sts):
    env, _, role, _ = setup
    before = len(sts.requests)
    with provider.person_answering(provider.dialogs()):
        first = credential_document(tool(["--profile", role], env))
        # Every call after the first is a cache hit: the same session, no new AssumeRole.
        for _ in range(3):
            assert credential_document(tool(["--profile", role], env)) == first
    assert len(sts.requests) - before == 1, [r.path for r in sts.requests[before:]]


def test_the_providers_own_lock_and_unlock(provider, setup):
    env, base, _, keys = setup
    provider.lock_itself()
    # Nobody at the display: the call ends within its bound with a message that says what to do.
    result = bounded(["--profile", base], env, DIALOG_BOUND)
    assert_clean_failure(result, mentions_any=["locked", "did not answer SearchItems"])
    assert keys[1] not in result.stderr
    with provider.person_answering(provider.dialogs()) as answered:
        assert_success(tool(["unlock"], env, timeout=60))
        document = credential_document(tool(["--profile", base], env))
    assert document["AccessKeyId"] == keys[0]
    if isinstance(provider, KeePassXC):
        assert "Unlock Database" in answered


def test_lock_and_unlock_commands(provider, setup):
    env, base, _, keys = setup
    assert_success(tool(["lock"], env))
    result = bounded(["--profile", base], env, DIALOG_BOUND)
    assert_clean_failure(result, mentions_any=["locked", "did not answer SearchItems"])
    with provider.person_answering(provider.dialogs()):
        assert_success(tool(["unlock"], env, timeout=60))
        assert credential_document(tool(["--profile", base], env))["AccessKeyId"] == keys[0]


# --- KeePassXC's defaults that need a person ------------------------------------------------------------


def test_confirm_access_answered(keepassxc, kx_setup):
    env, base, _, keys = kx_setup
    with keepassxc.person_answering({"Access Request": None}) as answered:
        document = credential_document(tool(["--profile", base], env))
    assert document["AccessKeyId"] == keys[0]
    assert "Access Request" in answered


def test_confirm_access_unanswered_says_which_setting(keepassxc, kx_setup):
    env, base, _, keys = kx_setup
    result = bounded(["--profile", base], env, DIALOG_BOUND)
    assert_clean_failure(result, mentions=["allow", "Confirm when passwords are retrieved by clients"])
    # Without a display nobody can answer: no wait at all, the same advice.
    result = bounded(["--profile", base], env_with(env, DISPLAY=None), 0)
    assert_clean_failure(result, mentions=["no display", "ConfirmAccessItem=false"])


def test_unlock_before_search_answered(keepassxc, kx_setup):
    env, base, _, keys = kx_setup
    keepassxc.lock_itself()
    with keepassxc.person_answering(keepassxc.dialogs()) as answered:
        document = credential_document(tool(["--profile", base], env, timeout=60))
    assert document["AccessKeyId"] == keys[0]
    assert "Unlock Database" in answered


def test_unlock_before_search_unanswered(keepassxc, kx_setup):
    env, base, _, _ = kx_setup
    keepassxc.lock_itself()
    result = bounded(["--profile", base], env, DIALOG_BOUND)
    assert_clean_failure(result, mentions=[f"did not answer SearchItems within {DIALOG_BOUND} seconds", "dialog"])
    # Leaves the database unlocked for the next test, as the person would.
    with keepassxc.person_answering(keepassxc.dialogs()):
        assert_success(tool(["unlock"], env, timeout=60))


def test_doctor_names_the_provider(provider, setup):
    env, _, _, _ = setup
    with provider.person_answering(provider.dialogs()):
        result = tool(["doctor", "--offline"], env, timeout=60)
    out = result.stdout + result.stderr
    assert f"ok      Secret Service provider: {provider.name} " in out, result.describe()
    # Both offer the encrypted session libsecret writes through (KWallet only with libqca-qt5-2-plugins).
    assert "encrypted sessions" not in out, result.describe()
