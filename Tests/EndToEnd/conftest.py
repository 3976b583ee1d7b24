"""Fixtures for the end-to-end tests of awskeyring-helper.

Real parts only: a private D-Bus session with an unlocked gnome-keyring-daemon, moto_server with
SigV4 signature checking, botocore for the expected config maps, the real AWS CLI.

Run: AWSKEYRING_HELPER_BIN=/path/to/awskeyring-helper python3 -m pytest -q Tests/EndToEnd
"""

from __future__ import annotations

import locale
import shutil
import tempfile

import pytest

import e2e_helpers as h


def pytest_configure(config):
    # A temporary folder of this run's own (unless --basetemp names one): in the shared numbered folders
    # under /tmp/pytest-of-USER, a second run on the same machine cleans up the first one's folders,
    # its private D-Bus session and keyring among them. Removed at the end of the run.
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="awskeyring-helper-e2e-")
        config._awskh_basetemp = config.option.basetemp


def pytest_unconfigure(config):
    basetemp = getattr(config, "_awskh_basetemp", None)
    if basetemp:
        shutil.rmtree(basetemp, ignore_errors=True)


def pytest_sessionstart(session):
    try:
        h.helper_bin()
    except RuntimeError as e:
        raise pytest.UsageError(str(e)) from None
    # botocore reads config files in the locale's encoding; the expectations assume UTF-8 like the tool.
    encoding = locale.getpreferredencoding(False).lower().replace("-", "")
    if encoding != "utf8":
        raise pytest.UsageError(
            f"python's preferred encoding is {encoding!r}: run the suite with PYTHONUTF8=1 or a UTF-8 locale"
        )
    for exe in ("dbus-daemon", "dbus-send", "gnome-keyring-daemon", "secret-tool"):
        if shutil.which(exe) is None:
            raise pytest.UsageError(f"{exe} is not installed (scripts/install-deps.sh installs it)")


@pytest.fixture(scope="session")
def helper_bin() -> str:
    return h.helper_bin()


@pytest.fixture(scope="session")
def keyring(tmp_path_factory):
    """The shared private session: fresh HOME/XDG dirs, dbus-daemon, unlocked gnome-keyring-daemon.
    `keyring.env` is the environment to give every process. Tests use fresh profile names."""
    session = h.PrivateSession(tmp_path_factory.mktemp("keyring"))
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def keyring_daemon_survives(request):
    """Fails the test during which the shared session lost its gnome-keyring-daemon, with the daemon's
    log, and starts a new one on the same keyring files, so that the tests after it are not failed by
    the loss too (they would all say there is no Secret Service)."""
    if "keyring" not in request.fixturenames:
        yield
        return
    session = request.getfixturevalue("keyring")
    yield
    lost = session.keyring_daemon_lost()
    if lost:
        session.restart_keyring()
        pytest.fail(f"the shared session lost its Secret Service during this test: {lost}", pytrace=False)


@pytest.fixture
def env(keyring) -> dict:
    """A per-test copy of the keyring environment (tests may change it freely)."""
    return dict(keyring.env)


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    """moto_server on loopback with signature checks after the first MOTO_UNSIGNED_CALLS requests,
    which create the IAM user and its access key. Yields Moto(endpoint_url, access_key_id,
    secret_access_key, user_arn)."""
    server = h.MotoServer(tmp_path_factory.mktemp("moto"))
    try:
        yield server.create_identity()
    finally:
        server.stop()


@pytest.fixture
def rotation_moto(tmp_path):
    """A moto_server of the test's own (rotate changes its user's keys) whose IAM user has an allow-all
    inline policy (moto enforces IAM policies once signature checking starts) and one access key.
    Yields an e2e_helpers.MotoUser."""
    with h.moto_server(tmp_path, unsigned_calls=h.moto_setup_calls()) as server:
        yield server.create_user("rotator")


@pytest.fixture
def write_configs(tmp_path, env):
    """write_configs(config=..., credentials=...) -> env pointing AWS_CONFIG_FILE and
    AWS_SHARED_CREDENTIALS_FILE at files in tmp_path (None: the file does not exist)."""

    def write(config=None, credentials=None, name="cfg"):
        d = tmp_path / name
        d.mkdir(exist_ok=True)
        paths = {}
        for key, content, filename in (
            ("AWS_CONFIG_FILE", config, "config"),
            ("AWS_SHARED_CREDENTIALS_FILE", credentials, "credentials"),
        ):
            path = d / filename
            if content is not None:
                path.write_bytes(content.encode() if isinstance(content, str) else content)
            paths[key] = str(path)
        return h.env_with(env, **paths)

    return write
