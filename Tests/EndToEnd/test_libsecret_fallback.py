"""Reads go through libsecret when libsystemd cannot be loaded.

The programs read the keyring over sd-bus (libsystemd, loaded on first use) and fall back to libsecret
where libsystemd is missing. Here the helper runs in a mount namespace of its own in which
libsystemd.so.0 is an empty file (a bind mount of /dev/null), so its dlopen fails as on a system without
the library, while everything else (the D-Bus session, gnome-keyring-daemon, libsecret) is real.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

import e2e_helpers as h
from e2e_helpers import assert_success, credential_document, env_with, store_from_env


def _libsystemd_path() -> str:
    listing = subprocess.run(["ldconfig", "-p"], check=True, capture_output=True, text=True).stdout
    match = re.search(r"\blibsystemd\.so\.0 \(.*\) => (\S+)", listing)
    assert match, "ldconfig -p lists no libsystemd.so.0 (scripts/install-deps.sh installs libsystemd0)"
    return match.group(1)


def _without_libsystemd(argv) -> list:
    """argv run where libsystemd.so.0 cannot be loaded (needs root for the mount namespace; CI is root)."""
    if os.getuid() != 0 or shutil.which("unshare") is None:
        pytest.fail("hiding libsystemd needs root and unshare (util-linux); CI runs as root")
    hide = 'mount --bind /dev/null "$0" && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", hide, _libsystemd_path(), *argv]


def _loaded(stderr: str) -> list[str]:
    return [os.path.basename(path) for path in re.findall(r"calling init: (\S+)", stderr)]


def test_stored_keys_are_read_through_libsecret_without_libsystemd(env):
    profile = h.fresh_profile("no-libsystemd")
    keys = h.new_keys()
    assert_success(store_from_env(env, profile, *keys))

    # The same call with libsystemd available reads over sd-bus and never loads libsecret.
    direct = h.run([h.helper_bin(), "--profile", profile], env_with(env, LD_DEBUG="libs"))
    assert credential_document(direct)["AccessKeyId"] == keys[0]
    assert any(lib.startswith("libsystemd.so") for lib in _loaded(direct.stderr)), direct.stderr
    assert not any(lib.startswith("libsecret-1.so") for lib in _loaded(direct.stderr)), direct.stderr

    r = h.run(_without_libsystemd([h.helper_bin(), "--profile", profile]), env_with(env, LD_DEBUG="libs"))
    document = credential_document(r)
    assert (document["AccessKeyId"], document["SecretAccessKey"]) == keys
    loaded = _loaded(r.stderr)
    assert any(lib.startswith("libsecret-1.so") for lib in loaded), r.stderr
    assert not any(lib.startswith("libsystemd.so") for lib in loaded), r.stderr


def test_list_reads_through_libsecret_without_libsystemd(env):
    profile = h.fresh_profile("no-libsystemd-list")
    assert_success(store_from_env(env, profile, *h.new_keys()))
    r = h.run(_without_libsystemd([h.helper_bin(), "list"]), env)
    assert_success(r)
    assert profile in r.stdout
