"""The binary as it is installed: which libraries it loads and from where, and its version.

Every SDK call starts this program, so it must not load libsecret, GLib, libcurl or libsystemd before it
needs them; and a copy of it must never load a library placed beside it (no $ORIGIN RUNPATH), which would
let anyone who can write next to the binary run code inside the process that holds the keys."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import e2e_helpers as h

REPOSITORY = Path(__file__).resolve().parents[2]
LOADED_ON_DEMAND = ("libsecret-1", "libglib-2.0", "libgio-2.0", "libgobject-2.0", "libcurl", "libsystemd")

FAKE_LIBRARY = r"""
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void) {
    const char *path = getenv("AWSKH_FAKE_LIBRARY_MARKER");
    if (path) close(open(path, O_WRONLY | O_CREAT, 0600));
}
"""


def _loaded_libraries(stderr: str) -> list[str]:
    """The files ld.so opened, from LD_DEBUG=libs output ("calling init: PATH")."""
    return re.findall(r"calling init: (\S+)", stderr)


def _dynamic_section(binary: str) -> str:
    return subprocess.run(["readelf", "-d", binary], check=True, capture_output=True, text=True).stdout


def test_version_comes_from_version_swift(helper_bin, env):
    expected = subprocess.run(
        [REPOSITORY / "scripts" / "version.sh"], check=True, capture_output=True, text=True
    ).stdout.strip()
    r = h.tool(["--version"], env)
    h.assert_success(r)
    assert r.stdout.strip() == expected


def test_a_plain_start_loads_no_keyring_network_or_dbus_library(helper_bin, env):
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(\S+)\]", _dynamic_section(helper_bin))
    assert needed, "readelf found no NEEDED entries"
    assert not [lib for lib in needed if lib.startswith(LOADED_ON_DEMAND)], needed

    r = h.tool(["--version"], h.env_with(env, LD_DEBUG="libs"))
    h.assert_success(r)
    loaded = _loaded_libraries(r.stderr)
    assert any("libc.so" in lib for lib in loaded), "LD_DEBUG=libs output not understood:\n" + r.stderr
    assert not [lib for lib in loaded if os.path.basename(lib).startswith(LOADED_ON_DEMAND)], loaded


# Swift modules whose code and start-up the program every SDK call starts must not carry: mangled names of
# their types stay in a stripped binary's metadata, so they are found in the installed file too.
KEPT_OUT_OF_THE_CACHED_CALL = {
    "FoundationEssentials": b"20FoundationEssentials",
    "the regex engine (_StringProcessing)": b"17_StringProcessing",
    "SwiftNIO": b"7NIOCore",
    "swift-argument-parser": b"14ArgumentParser",
}


def test_the_cached_call_program_links_only_what_it_needs(helper_bin):
    program = Path(helper_bin).read_bytes()
    linked = [name for name, mangled in KEPT_OUT_OF_THE_CACHED_CALL.items() if mangled in program]
    assert not linked, f"{helper_bin} links {linked}: keep them in {h.COMMANDS_PROGRAM}"
    # The check can see them: the commands program links all four.
    commands = Path(h.companion_bin(h.COMMANDS_PROGRAM)).read_bytes()
    assert [name for name, mangled in KEPT_OUT_OF_THE_CACHED_CALL.items() if mangled in commands] == [
        "FoundationEssentials",
        "the regex engine (_StringProcessing)",
        "SwiftNIO",
        "swift-argument-parser",
    ]


def test_a_copy_never_loads_libraries_placed_beside_it(helper_bin, env, tmp_path):
    for program in (helper_bin, h.companion_bin(h.COMMANDS_PROGRAM)):
        runpath = re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[(.*)\]", _dynamic_section(program))
        assert not [p for p in runpath if "$ORIGIN" in p], (
            f"{program} has RUNPATH {runpath}: build it with `swift build -c release --disable-local-rpath`"
            " (SwiftPM adds $ORIGIN otherwise)"
        )

    # A copy of the binary with a libsecret-1.so.0 and a libstdc++.so.6 beside it that leave a mark when
    # loaded. The keyring command below loads the real libsecret with dlopen.
    folder = tmp_path / "bin"
    folder.mkdir()
    copy = h.copy_programs(folder)
    source = tmp_path / "fake.c"
    source.write_text(FAKE_LIBRARY)
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "no C compiler (cc) to build the fake libraries"
    for name in ("libsecret-1.so.0", "libstdc++.so.6"):
        subprocess.run([compiler, "-shared", "-fPIC", "-o", folder / name, source], check=True)
    marker = tmp_path / "fake-library-loaded"

    e = h.env_with(env, AWSKH_FAKE_LIBRARY_MARKER=marker, LD_DEBUG="libs")
    r = h.run([copy, "list"], e)
    assert r.rc == 0, r.describe()
    loaded = _loaded_libraries(r.stderr)
    assert [lib for lib in loaded if os.path.basename(lib) == "libsecret-1.so.0"], (
        "the keyring command should have loaded libsecret:\n" + "\n".join(loaded)
    )
    assert not [lib for lib in loaded if lib.startswith(str(folder))], loaded
    assert not marker.exists(), "a library placed beside the binary was loaded"
