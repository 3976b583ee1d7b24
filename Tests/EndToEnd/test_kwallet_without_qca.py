"""KWallet as the Secret Service without libqca-qt5-2-plugins: kwalletd5 cannot open the encrypted session
libsecret writes keys through (its Diffie-Hellman group comes from the qca-ossl plugin), and `store` and
`doctor` must say which package to install.

kwalletd5 runs in a mount namespace of its own in which the folder of the package's plugins is an empty
tmpfs, as on a system without the package; everything else (the private D-Bus session, the wallet, Xvfb,
libsecret) is real. Mounting needs root, as CI runs; the test fails in CI when something is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, env_with, store_from_env, tool
from secret_providers import KWallet

PACKAGE = "libqca-qt5-2-plugins"


def _must(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _plugin_folder() -> str:
    """The folder of the package's crypto plugins (the one holding libqca-ossl.so), from dpkg."""
    listing = subprocess.run(["dpkg", "-L", PACKAGE], capture_output=True, text=True, timeout=30)
    _must(listing.returncode == 0, f"{PACKAGE} is not installed (scripts/install-deps.sh installs it)")
    ossl = [line for line in listing.stdout.splitlines() if line.endswith("/libqca-ossl.so")]
    assert len(ossl) == 1, listing.stdout
    return os.path.dirname(ossl[0])


class KWalletWithoutQCA(KWallet):
    """kwalletd5 that finds no qca plugin: their folder is an empty tmpfs in its mount namespace."""

    def start(self):
        _must(os.getuid() == 0 and shutil.which("unshare") is not None,
              "hiding the qca plugins needs root and unshare (util-linux); CI runs as root")
        self.plugins = _plugin_folder()
        hide = 'mount -t tmpfs -o ro,mode=755 none "$0" && exec "$@"'
        self.launcher = ("unshare", "--mount", "--propagation", "private", "sh", "-c", hide, self.plugins)
        super().start()


@pytest.fixture(scope="module")
def kwallet(tmp_path_factory):
    provider = KWalletWithoutQCA(tmp_path_factory.mktemp("kwallet-no-qca"))
    yield provider
    provider.stop()


@pytest.fixture
def env(kwallet, tmp_path):
    config = tmp_path / "config"
    config.write_text("")
    return env_with(kwallet.env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none")


def test_kwalletd5_runs_without_the_plugins(kwallet):
    # The namespace works: the plugins are there for everyone but kwalletd5, which owns the Secret Service.
    assert "libqca-ossl.so" in os.listdir(kwallet.plugins)
    pid = kwallet.session.procs[-1].pid
    assert os.readlink(f"/proc/{pid}/exe").endswith("/kwalletd5")
    assert os.listdir(f"/proc/{pid}/root{kwallet.plugins}") == []


def test_store_names_the_package_and_stores_nothing(kwallet, env):
    profile = h.fresh_profile("no-qca")
    keys = h.new_keys()
    result = store_from_env(env, profile, *keys)
    assert_clean_failure(result, mentions=[PACKAGE, "KWallet", "restart kwalletd5"])
    assert keys[1] not in result.stderr
    # Nothing was stored: the credential call finds no keys.
    assert_clean_failure(tool(["--profile", profile], env), mentions=["no keys are stored"])


def test_doctor_names_the_package(kwallet, env):
    result = tool(["doctor", "--offline"], env, timeout=60)
    assert_clean_failure(result, mentions=["Secret Service provider: KWallet", "1 problem found"])
    # The one problem is the refused session, with kwalletd5's own words and the package that fixes it.
    problems = [line for line in result.stderr.splitlines() if line.startswith("problem")]
    assert len(problems) == 1, result.describe()
    assert "KWallet encrypted sessions: refused (createDLGroup failed" in problems[0], result.describe()
    assert f"fix: install the package {PACKAGE}" in problems[0], result.describe()
