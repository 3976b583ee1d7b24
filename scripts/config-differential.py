#!/usr/bin/env python3
"""Differential test of the config file parser against botocore, on generated files.

    scripts/config-differential.py [COUNT] [SEED]

Generates COUNT (default 2000) random config/credentials file pairs from awkward fragments: duplicate
sections and options, both delimiters, comments, continuation lines, nested blocks, [DEFAULT], quoted
and odd profile names, LF/CRLF/CR line ends, tabs, Unicode whitespace, control characters, invalid
UTF-8. For each pair it compares botocore's Session.full_config['profiles'] with the `settings` of
`awskeyring-helper explain --profile P --json`, for every profile botocore sees; when botocore raises
ConfigParseError, the tool must fail too, with a message naming the same file. Each mismatch is
reduced to a minimal file pair and printed; the exit status is 1 when there was any.

The helper is the release binary ($AWSKEYRING_HELPER_BIN, else built with `swift build -c release`).
It runs in the project's keyring sandbox (scripts/lib/sandbox.sh), since explain asks the Secret
Service whether a profile's keys are stored. SEED defaults to a fresh one, printed so a run can be
repeated.
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Option names: nothing explain would act on (no role_arn, source_profile, credential_* ...), so the
# profile's chain always resolves, and none of the secret names explain redacts.
OPTION_NAMES = ["region", "output", "s3", "cli_pager", "x", "Foo_Bar", "max_attempts", "retry_mode",
                "endpoint_url", "services", "sso_session", "a-b", "k.1", "tcp_keepalive", "Ä", "ΣΑΣ", "İ"]
SECTION_NAMES = ["default", "DEFAULT", "profile dev", "profile prod", "dev", "prod", "profile  dev",
                 'profile "my dev"', "profile 'x y'", 'profile "unclosed', "profilefoo bar", "profile a b",
                 "services s1", "sso-session s2", "profile", "profile \\x", " profile sp ", "plugins",
                 "profile café", "profile\tdev"]
# Not generated: a second name that differs from another only in Unicode normalization ("profile cafe" +
# U+0301 next to "profile café"). botocore keeps two profiles; the tool's String-keyed maps compare names
# by canonical equivalence and merge them (a known open difference).
WORDS = ["us-east-1", "json", "1", "true", "a = b", "x:y", "#not-comment", ";semi", "'q'", '"dq"',
         "http://127.0.0.1:5000", "", "café", "ΣΑΣ", "tab\there", "a\\b", "[x]", "=", ":"]
SPACES = [" ", "  ", "\t", "", "\u00a0", "\u3000", "\u2003", "\x0b", "\x0c", "\x1c", "\u0085", "\u2028"]


# Whitespace that str.splitlines() also splits on: inside a value that becomes a nested block, it starts a
# new block line, which often has no '=' (botocore then rejects the file).
LINE_SEPARATORS = {"\x0b", "\x0c", "\x1c", "\u0085", "\u2028"}
clean_file = True


def ws(rng, empty_ok=True):
    choices = [space for space in SPACES if (empty_ok or space) and not (clean_file and space in LINE_SEPARATORS)]
    return rng.choice(choices) * rng.choice([1, 1, 1, 2])


def option_line(rng, name, clean):
    if rng.random() < 0.2:
        name = name.upper() if rng.random() < 0.5 else name.swapcase()
    indent = ws(rng) if rng.random() < 0.15 else ""
    # An indented line may continue a value that turns into a nested block, whose lines need '='.
    delimiter = rng.choice(["=", "=", ":"]) if not (clean and indent) else "="
    value = rng.choice(WORDS)
    if rng.random() < 0.2:
        value += ws(rng) + rng.choice(WORDS)
    return indent + name + ws(rng) + delimiter + ws(rng) + value + ws(rng) * (rng.random() < 0.3)


class FileState:
    """What a file has so far, so a "clean" file (most of them) avoids the mistakes botocore rejects:
    duplicate sections and options, lines without a delimiter, continuation lines before any option."""

    def __init__(self, rng, clean):
        self.rng = rng
        self.clean = clean
        self.sections = set()
        self.options = set()
        self.in_option = False

    def section_name(self, name):
        if self.clean and name in self.sections:
            return None
        self.sections.add(name)
        self.options = set()
        self.in_option = False
        return name

    def option_name(self, name):
        key = name.lower()
        if self.clean and key in self.options:
            return None
        self.options.add(key)
        self.in_option = True
        return name


def fragment(rng, state):
    """A list of lines."""
    kind = rng.random()
    if kind < 0.18:
        name = state.section_name(rng.choice(SECTION_NAMES))
        if name is None:
            return []
        return [ws(rng) * (rng.random() < 0.1) + "[" + name + "]" + rng.choice(["", "", " # c", " x"])]
    if kind < 0.55:
        name = state.option_name(rng.choice(OPTION_NAMES))
        return [] if name is None else [option_line(rng, name, state.clean)]
    if kind < 0.63:
        return [ws(rng) * (rng.random() < 0.4) + rng.choice(["#", ";"]) + " " + rng.choice(WORDS)]
    if kind < 0.71:  # continuation lines
        if state.clean and not state.in_option:
            return []
        # In a clean file they hold '=', in case they continue an empty value into a nested block.
        words = ["k = v", "a=b", "x = y = z"] if state.clean else WORDS + ["--flag", "k = v"]
        return [ws(rng, empty_ok=False) + rng.choice(words) for _ in range(rng.randint(1, 3))]
    if kind < 0.82:  # a nested block
        name = state.option_name(rng.choice(["s3", "sts", "iam", "X"]))
        if name is None:
            return []
        lines = [name + ws(rng) + "=" + ws(rng) * (rng.random() < 0.3)]
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.1 and not state.clean:
                lines.append(ws(rng, empty_ok=False) + "no equals here")
            elif rng.random() < 0.1:
                lines.append("")
            else:
                lines.append(ws(rng, empty_ok=False) + rng.choice(["endpoint_url", "a", "B", ""]) + ws(rng)
                             + "=" + ws(rng) + rng.choice(WORDS))
        return lines
    if kind < 0.92 or state.clean:
        return [ws(rng) * rng.randint(0, 2)]
    if kind < 0.96:
        return ["no delimiter"] if rng.random() < 0.5 else [ws(rng) + "= nameless"]
    return ["\x00", "\x1dk = v", "k\x1e= v", "[x\x1fy]"][rng.randrange(4):][:1]


def generate_file(rng, credentials=False):
    global clean_file
    state = FileState(rng, clean=rng.random() < 0.7)
    clean_file = state.clean
    lines = []
    if rng.random() < 0.9 or state.clean:  # start with a header (botocore needs one)
        names = ["default", "dev", "profile dev"] if not credentials else ["default", "dev", "prod"]
        lines.append("[" + state.section_name(rng.choice(names)) + "]")
    for _ in range(rng.randint(0, 12)):
        lines.extend(fragment(rng, state))
    ending = rng.choice(["\n", "\n", "\n", "\r\n", "\r", "mixed"])
    text = ""
    for line in lines:
        text += line + (rng.choice(["\n", "\r\n", "\r"]) if ending == "mixed" else ending)
    if rng.random() < 0.1:
        text = text.rstrip("\r\n")
    data = text.encode("utf-8")
    roll = rng.random()
    if state.clean:
        return data
    if roll < 0.1:
        data = b"\xef\xbb\xbf" + data
    elif roll < 0.25 and data:
        at = rng.randrange(len(data))
        data = data[:at] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"]) + data[at:]
    return data


def generate(rng):
    config = generate_file(rng) if rng.random() < 0.95 else None
    credentials = generate_file(rng, credentials=True) if rng.random() < 0.5 else None
    return config, credentials


def botocore_view(config_path, credentials_path):
    """('ok', profiles) or ('error', which file)."""
    import botocore.exceptions
    import botocore.session

    os.environ["AWS_CONFIG_FILE"] = config_path
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = credentials_path
    try:
        return ("ok", botocore.session.Session().full_config["profiles"])
    except botocore.exceptions.ConfigParseError as e:
        return ("error", "credentials" if e.kwargs["path"] == credentials_path else "config")


def tool_view(binary, profile, env):
    result = subprocess.run([binary, "explain", "--profile=" + profile, "--json"], env=env,
                            capture_output=True, timeout=30)
    if result.returncode != 0:
        # A profile whose chain is broken is still explained: its settings, then the break (exit 1).
        try:
            document = json.loads(result.stdout)
        except ValueError:
            document = None
        if isinstance(document, dict) and "break" in document and "settings" in document:
            return ("ok", document["settings"], result.stderr)
        return ("error", result.stderr.decode("utf-8", "replace").strip(), result.stdout)
    return ("ok", json.loads(result.stdout)["settings"], result.stderr)


def usable_name(profile):
    return profile and "\x00" not in profile and not any(c in profile for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def compare(binary, config, credentials, only_profile=None):
    """Whether botocore rejects the files, the mismatches as (profile or None, description), and how many
    profiles were compared."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = os.path.join(tmp, "config")
        credentials_path = os.path.join(tmp, "credentials")
        for path, data in ((config_path, config), (credentials_path, credentials)):
            if data is not None:
                with open(path, "wb") as f:
                    f.write(data)
        env = dict(os.environ, AWS_CONFIG_FILE=config_path, AWS_SHARED_CREDENTIALS_FILE=credentials_path)
        expected = botocore_view(config_path, credentials_path)
        problems = []
        if expected[0] == "error":
            path = config_path if expected[1] == "config" else credentials_path
            got = tool_view(binary, only_profile or "default", env)
            if got[0] == "ok":
                problems.append((None, "botocore rejects the %s file; the tool accepted it" % expected[1]))
            elif path not in got[1]:
                problems.append((None, "botocore rejects the %s file; the tool's error does not name it: %s"
                                 % (expected[1], got[1])))
            elif got[2]:
                problems.append((None, "the tool failed but printed on stdout"))
            return True, problems, 0
        profiles = expected[1]
        names = [only_profile] if only_profile is not None else sorted(profiles)
        compared = 0
        for profile in names:
            if not usable_name(profile):
                continue
            compared += 1
            got = tool_view(binary, profile, env)
            if got[0] == "error":
                problems.append((profile, "profile %r: botocore reads it, the tool fails: %s" % (profile, got[1])))
            elif got[1] != profiles.get(profile):
                problems.append((profile, "profile %r: botocore %r, the tool %r"
                                 % (profile, profiles.get(profile), got[1])))
        return False, problems, compared


def minimize(binary, config, credentials, profile):
    """Drops lines of both files while some mismatch remains."""
    def split(data):
        return None if data is None else data.splitlines(keepends=True)

    def join(lines):
        return None if lines is None else b"".join(lines)

    files = [split(config), split(credentials)]
    changed = True
    while changed:
        changed = False
        for which in (0, 1):
            lines = files[which]
            index = 0
            while lines is not None and index < len(lines):
                candidate = lines[:index] + lines[index + 1:]
                trial = list(files)
                trial[which] = candidate
                if compare(binary, join(trial[0]), join(trial[1]), profile)[1]:
                    files[which] = lines = candidate
                    changed = True
                else:
                    index += 1
    return join(files[0]), join(files[1])


def helper_binary():
    binary = os.environ.get("AWSKEYRING_HELPER_BIN")
    if binary:
        return binary
    subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT, check=True, stdout=sys.stderr)
    path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    return os.path.join(path, "awskeyring-helper")


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else random.SystemRandom().randrange(1 << 32)
    if not sys.flags.utf8_mode:  # configparser reads with the locale's encoding; botocore users have UTF-8
        os.execve(sys.executable, [sys.executable, "-X", "utf8"] + sys.argv, os.environ)
    if "AWSKEYRING_SANDBOX" not in os.environ:
        binary = helper_binary()
        wrapper = 'source scripts/lib/sandbox.sh && sandbox_start && "$@"'
        env = dict(os.environ, AWSKEYRING_SANDBOX="1", AWSKEYRING_HELPER_BIN=binary)
        args = [sys.executable, "-X", "utf8", os.path.abspath(__file__), str(count), str(seed)]
        sys.exit(subprocess.run(["bash", "-c", wrapper, "sandbox"] + args, cwd=ROOT, env=env).returncode)

    binary = os.environ["AWSKEYRING_HELPER_BIN"]
    # Printed first, so that a run that stops half-way can be replayed too.
    print("config differential: seed %d (replay: python3 scripts/config-differential.py %d %d)"
          % (seed, count, seed), flush=True)
    rng = random.Random(seed)
    started = time.monotonic()
    files = profiles = rejected = failures = 0
    for number in range(count):
        config, credentials = generate(rng)
        botocore_rejects, problems, compared = compare(binary, config, credentials)
        files += 1
        rejected += botocore_rejects
        profiles += compared
        if problems:
            failures += 1
            profile = problems[0][0]
            small_config, small_credentials = minimize(binary, config, credentials, profile)
            print("MISMATCH in file pair %d (seed %d):" % (number, seed))
            for _, problem in compare(binary, small_config, small_credentials, profile)[1] or problems:
                print("  " + problem)
            print("  config file (minimal): %r" % small_config)
            print("  credentials file (minimal): %r" % small_credentials)
    print("config differential (seed %d): %d file pairs, %d profiles compared, %d pairs botocore rejects, "
          "%d mismatches, %.0fs" % (seed, files, profiles, rejected, failures, time.monotonic() - started))
    if profiles == 0:
        # Every pair failed before a profile could be compared (the tool or botocore broke on all of them):
        # a run that checked nothing is not a pass.
        print("config differential FAILED: no profile was compared")
        sys.exit(1)
    sys.exit(1 if failures else 0)



if __name__ == "__main__":
    main()
