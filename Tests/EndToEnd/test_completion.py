"""Shell completion of profile names: `--profile` completes the profiles of the
config files and those with keys in the keyring, for every command and for the top-level form of the
default command (`awskeyring-helper --profile P`). Driven through real bash, zsh and fish with the
generated scripts (zsh and fish interactively in a pseudo-terminal)."""

import shutil

import pexpect

import pytest

import e2e_helpers as h
from e2e_helpers import env_with, store_from_env, tool

DRIVER = r"""
source "$1"
shift
line="$1"
COMP_LINE="$line"
COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<< "$line"
if [[ "$line" == *" " ]]; then COMP_WORDS+=(""); fi
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
_awskeyring-helper awskeyring-helper "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


@pytest.fixture
def completion(env, write_configs, tmp_path, helper_bin):
    """complete(line) -> the words bash offers, with the generated script and the helper on PATH."""
    script = tmp_path / "awskeyring-helper.bash"
    r = tool(["--generate-completion-script", "bash"], env)
    assert r.rc == 0, r.describe()
    script.write_text(r.stdout)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "awskeyring-helper").symlink_to(helper_bin)
    stored = h.fresh_profile("stored-only")
    assert store_from_env(env, stored, *h.new_keys()).rc == 0
    e = write_configs(config="[default]\nregion = x\n[profile prod]\n[profile prod-admin]\n[profile dev]\n",
                      credentials="[from-credentials]\nregion = y\n")
    e = env_with(e, PATH=f"{bindir}:{e['PATH']}")

    def complete(line, environment=None):
        r = h.run(["bash", "-c", DRIVER, "driver", str(script), line], environment or e, timeout=30)
        assert r.rc == 0, r.describe()
        return r.stdout.split()

    complete.stored = stored
    complete.env = e
    complete.script_for = lambda shell: _script(env, tmp_path, shell)
    return complete


def _script(env, tmp_path, shell):
    r = tool(["--generate-completion-script", shell], env)
    assert r.rc == 0, r.describe()
    path = tmp_path / f"awskeyring-helper.{shell}"
    path.write_text(r.stdout)
    return path


LINES = ("awskeyring-helper --profile ", "awskeyring-helper --profile pr", "awskeyring-helper explain --profile d")


def zsh_listings(script, env):
    """What zsh lists (list-choices, Ctrl-D) for each of LINES, with compinit and the script loaded."""
    child = pexpect.spawn("zsh", ["-f", "-i"], env=env_with(env, TERM="dumb"), encoding="utf-8", timeout=20,
                          dimensions=(40, 200))
    try:
        child.sendline(f"autoload -U compinit && compinit -u -D; source {script}; "
                       "compdef _awskeyring-helper awskeyring-helper; unset zle_bracketed_paste; "
                       "PS1='ZSH> '; print READY$((6*7))")
        child.expect_exact("READY42")
        child.expect_exact("ZSH> ")
        listings = []
        for line in LINES:
            child.send(line + "\x04")
            child.expect_exact("\r\nZSH> " + line)
            # Before the listing: the typed line as the terminal echoed it, then a line break.
            listings.append(child.before.split("\n", 1)[-1].split())
            child.send("\x15")
        return listings
    finally:
        child.close(force=True)


def fish_listings(script, env, tmp_path):
    """What fish offers (complete -C, run in an interactive fish) for each of LINES."""
    out = tmp_path / "fish-completions"
    words = " ".join(f"'{line}'" for line in LINES)
    child = pexpect.spawn("fish", ["-N", "-i", "-C", f"source {script}"], env=env_with(env, TERM="dumb"),
                          encoding="utf-8", timeout=30, dimensions=(40, 200))
    try:
        child.sendline(f"for l in {words}; complete -C $l >> {out}; echo '@@' >> {out}; end; exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    blocks = out.read_text().split("@@\n")[:len(LINES)]
    return [[row.split("\t")[0] for row in block.splitlines() if row] for block in blocks]


def test_zsh_completes_profile_names_at_the_top_level_and_after_a_command(completion):
    assert shutil.which("zsh"), "scripts/install-deps.sh installs zsh"
    names, prefixed, after_command = zsh_listings(completion.script_for("zsh"), completion.env)
    assert {"default", "prod", "prod-admin", "dev", "from-credentials", completion.stored} <= set(names), names
    assert prefixed == ["prod", "prod-admin"]
    assert after_command == ["default", "dev"]


def test_fish_completes_profile_names_at_the_top_level_and_after_a_command(completion, tmp_path):
    assert shutil.which("fish"), "scripts/install-deps.sh installs fish"
    names, prefixed, after_command = fish_listings(completion.script_for("fish"), completion.env, tmp_path)
    assert {"default", "prod", "prod-admin", "dev", "from-credentials", completion.stored} <= set(names), names
    assert prefixed == ["prod", "prod-admin"]
    assert after_command == ["default", "dev"]


def test_profile_names_for_the_top_level_default_command(completion):
    names = completion("awskeyring-helper --profile ")
    assert {"default", "prod", "prod-admin", "dev", "from-credentials", completion.stored} <= set(names), names
    assert completion("awskeyring-helper --profile pr") == ["prod", "prod-admin"]
    stored = completion("awskeyring-helper --profile stored-")
    assert completion.stored in stored and all(name.startswith("stored-only-") for name in stored), stored


@pytest.mark.parametrize("command", ["credentials", "explain", "store", "remove", "exec", "env", "rotate", "clear"])
def test_profile_names_after_a_command(completion, command):
    assert completion(f"awskeyring-helper {command} --profile d") == ["default", "dev"]


def test_commands_and_options_still_complete(completion):
    assert completion("awskeyring-helper li") == ["list"]
    assert "--profile" in completion("awskeyring-helper --")
    assert "--json" in completion("awskeyring-helper explain --")


def test_completion_without_a_keyring_or_with_a_broken_config(completion, tmp_path):
    broken = tmp_path / "broken-config"
    broken.write_text("[profile ok]\nno delimiter here\n")
    e = env_with(completion.env, DBUS_SESSION_BUS_ADDRESS=None, AWS_CONFIG_FILE=broken)
    # Nothing readable: no names, and no error text offered as a completion.
    assert completion("awskeyring-helper --profile ", e) == []
    e = env_with(completion.env, DBUS_SESSION_BUS_ADDRESS=None)
    assert completion("awskeyring-helper --profile p", e) == ["prod", "prod-admin"]

