#!/usr/bin/env python3
"""Writes Tests/AWSConfigFileTests/BotocoreCases.swift: config/credentials file pairs with
what the installed botocore makes of them (Session.full_config), so the Swift parser is tested against
botocore's own answers. Run from the repository root after changing CASES:

    python3 scripts/generate-config-cases.py
"""

import configparser
import os
import subprocess
import sys
import tempfile

import botocore
import botocore.configloader
import botocore.exceptions
import botocore.session

# (name, config file bytes or None, credentials file bytes or None)
CASES = [
    # Basics
    ("empty files", b"", b""),
    ("no files", None, None),
    ("default profile", b"[default]\nregion = us-east-1\noutput = json\n", None),
    ("named profile", b"[profile dev]\nregion = eu-west-1\n", None),
    ("option names are lower-cased, values are not", b"[default]\nRegion = US-EAST-1\nAWS_Access_Key_ID = AKIA\n", None),
    ("values and names are stripped", b"[default]\n  region   =   us-east-1   \n\ta\t=\tb\t\n", None),
    ("colon delimiter", b"[default]\nregion: us-east-1\noutput :json\n", None),
    ("first delimiter wins", b"[default]\na:b = c\nd=e:f\ng = h = i\nj==k\n", None),
    ("no inline comments", b"[default]\na = b # c\nd = e ; f\ng=#h\ni = ;j\n", None),
    ("empty values", b"[default]\na =\nb = \nc=\nd :\n", None),
    ("whole-line comments", b"# top\n; top\n[default]\n# c\n  # indented\n\t; tab\na = 1\n#b = 2\n", None),
    ("section header is greedy", b"[a] x\nk = 1\n[profile x]b]\nk = 2\n[profile y] # comment\nk = 3\n", None),
    ("spaces inside header brackets", b"[ profile x ]\nk = 1\n[profile  y]\nk = 2\n[profile\tz]\nk = 3\n", None),
    ("header that is only brackets is an option", b"[default]\n[]=x\n[x : y\n", None),
    ("indented section header", b"   [default]\na = 1\n  [profile b]\nc = 2\n", None),
    # build_profile_map
    ("profile prefix without space", b"[profilefoo bar]\nk = 1\n[profilebaz]\nk = 2\n", None),
    ("profile with no name or too many words", b"[profile]\nk = 1\n[profile a b]\nk = 2\n[profile  ]\nk = 3\n", None),
    ("quoted profile names", b"[profile \"a b\"]\nk = 1\n[profile 'c d']\nk = 2\n[profile e\\ f]\nk = 3\n", None),
    ("shlex quoting details", b"[profile \"a\"b]\nk = 1\n[profile \"c\\\"d\"]\nk = 2\n[profile 'e\\f']\nk = 3\n[profile \"g\\h\"]\nk = 4\n[profile \"\"]\nk = 5\n", None),
    ("shlex errors skip the section", b"[profile \"open]\nk = 1\n[profile 'open]\nk = 2\n[profile end\\]\nk = 3\n[profile ok]\nk = 4\n", None),
    ("shlex backslash escapes", b"[profile a\\\\b]\nk = 1\n[profile \\'q]\nk = 2\n[profile x\\ ]\nk = 3\n", None),
    ("default then profile default", b"[default]\na = 1\nb = 2\n[profile default]\na = 3\n", None),
    ("profile default then default", b"[profile default]\na = 3\n[default]\na = 1\nb = 2\n", None),
    ("two sections naming one profile", b"[profile x]\na = 1\n[profile \"x\"]\nb = 2\n[profile  x]\nc = 3\n", None),
    ("case matters for default", b"[Default]\na = 1\n[PROFILE x]\nb = 2\n", None),
    ("sso-session and services", b"[sso-session my-sso]\nsso_start_url = https://x\n[services svc]\ns3 =\n  endpoint_url = http://localhost\n[profile p]\nservices = svc\nsso_session = my-sso\n", None),
    ("sso-session and services prefixes", b"[sso-sessionx y]\na = 1\n[servicesfoo bar]\nb = 2\n[sso-session]\nc = 3\n[services a b]\nd = 4\n", None),
    ("other sections are ignored", b"[preview]\ncloudfront = true\n[plugins]\nx = y\n", None),
    # DEFAULT
    ("DEFAULT is inherited", b"[DEFAULT]\nregion = us-east-1\noutput = json\n[default]\noutput = text\n[profile x]\n", None),
    ("DEFAULT may repeat", b"[DEFAULT]\na = 1\n[profile x]\nb = 2\n[DEFAULT]\nc = 3\n", None),
    ("DEFAULT alone", b"[DEFAULT]\na = 1\n", None),
    ("DEFAULT in credentials", None, b"[DEFAULT]\naws_secret_access_key = s\n[dev]\naws_access_key_id = a\n"),
    ("DEFAULT nested block is inherited", b"[DEFAULT]\ns3 =\n  addressing_style = path\n[profile x]\n", None),
    # Continuation lines and nested blocks
    ("continuation lines", b"[default]\na = x\n  y\n    z\nb = 2\n", None),
    ("continuation looks like a header or an option", b"[default]\na = 1\n  [profile b]\n  c = 2\nd = 3\n", None),
    ("blank lines inside a value", b"[default]\na = 1\n\n  b\n\n\nc = 2\n", None),
    ("trailing blank lines dropped", b"[default]\na = 1\n  b\n\n\n", None),
    ("whitespace-only line inside a value", b"[default]\na = 1\n   \n  b\n", None),
    ("comment inside a value", b"[default]\na = 1\n# c\n  b\n  ; d\n  e\n", None),
    ("comment does not reset indent", b"[default]\n  a = 1\n# c\n   b\n", None),
    ("indented option then deeper line", b"[default]\n  a = 1\n    b\n  c = 2\n", None),
    ("header line is not continued", b"[default]\n  x = 1\n", None),
    ("header indent sets the level", b"    [default]\n  x = 1\n   y\n", None),
    ("nested block", b"[default]\ns3 =\n  max_concurrent_requests = 20\n  addressing_style=path\n", None),
    ("nested block with blank lines", b"[default]\ns3 =\n\n  a = 1\n\n  b = 2\n\n", None),
    ("nested keys keep case and last key wins", b"[default]\ns3 =\n  Signature_Version = s3v4\n  a = 1\n  a = 2\n  c = d = e\n  f =\n", None),
    ("nested block of blank lines is an empty string", b"[default]\ns3 =\n\n\nb = 1\n", None),
    ("value on the equals line is not nested", b"[default]\ns3 = x\n  a = 1\n", None),
    ("nested block split on vertical tab and form feed", b"[default]\ns3 =\n  a = 1\x0bb = 2\x0cc = 3\x1cd=4\n", None),
    ("nested block split on unicode line separators", "[default]\ns3 =\n  a = 1\u2028b = 2\u2029c = 3\u0085d = 4\n".encode(), None),
    ("nested block in credentials", None, b"[dev]\ns3 =\n  a = 1\n"),
    ("continuation after a section header belongs to nothing", b"[default]\na = 1\n[profile b]\n    c = 2\n", None),
    # Whitespace and line endings
    ("CRLF line endings", b"[default]\r\nregion = us-east-1\r\ns3 =\r\n  a = 1\r\n", None),
    ("CR line endings", b"[default]\rregion = us-east-1\rs3 =\r  a = 1\r", None),
    ("mixed line endings", b"[default]\na = 1\r\nb = 2\rc = 3\n", None),
    ("no final newline", b"[default]\na = 1", None),
    ("unicode whitespace is stripped", "[default]\na =\u00a0b\u3000\n\u2003c\u2003=\u2003d\n".encode(), None),
    ("unicode whitespace indents a continuation", "[default]\na = 1\n\u3000b\n\u00a0\u00a0c\n".encode(), None),
    ("control whitespace", b"[default]\na = \x0cb\x1c\n\x1fc = d\n", None),
    ("non-breaking characters inside values", "[default]\na = x\u0085y\u00a0z\n".encode(), None),
    ("zero width space is not whitespace", "[default]\na = \u200bx\n".encode(), None),
    ("tab indentation counts one character", b"[default]\n\ta = 1\n  b\n\t\tc\n", None),
    # Lower-casing
    ("unicode option names are lower-cased", "[default]\n\u00c4BC = 1\n\u0391\u03a3 = 2\n\u0130X = 3\nSTRASSE = 4\n".encode(), None),
    ("final sigma", "[default]\n\u03a3\u0391\u03a3 = 1\n\u03a3 = 2\n\u0391\u03a3\u0391 = 3\n".encode(), None),
    ("decomposed and precomposed names are different", "[caf\u00e9]\na = 1\n[cafe\u0301]\na = 2\n[default]\nx = 1\n".encode(), None),
    # Credentials file
    ("credentials sections are raw names", None, b"[default]\naws_access_key_id = A\n[profile x]\naws_access_key_id = B\n[x]\naws_access_key_id = C\n"),
    ("credentials laid over config", b"[default]\nregion = us-east-1\naws_access_key_id = OLD\n[profile dev]\nregion = eu-west-1\n", b"[default]\naws_access_key_id = NEW\naws_secret_access_key = S\n[dev]\naws_access_key_id = D\n[other]\nx = 1\n"),
    ("credentials only", None, b"[default]\naws_access_key_id = A\naws_secret_access_key = S\n"),
    ("credentials section named like a config-file one", b"[profile dev]\nregion = r\n", b"[profile dev]\na = 1\n"),
    # Errors
    ("option before any section", b"a = 1\n[default]\n", None),
    ("option after comments before any section", b"# c\n\n; d\n  a = 1\n", None),
    ("byte order mark", b"\xef\xbb\xbf[default]\na = 1\n", None),
    ("byte order mark before a comment", b"\xef\xbb\xbf# c\n[default]\n", None),
    ("line without delimiter", b"[default]\na = 1\n\nbogus line\nb = 2\nmore bogus\n", None),
    ("bracket pair is not a header", b"[default]\n[]\n", None),
    ("empty option name", b"[default]\n= x\n", None),
    ("empty option name with colon", b"[default]\n  : x\n", None),
    ("two empty option names", b"[default]\n= x\n= y\n", None),
    ("duplicate section", b"[profile dev]\na = 1\n\n[profile dev]\nb = 2\n", None),
    ("duplicate ignored section", b"[x]\n[x]\n", None),
    ("duplicate option", b"[default]\nregion = a\nRegion = b\n", None),
    ("duplicate option in DEFAULT across repeats", b"[DEFAULT]\na = 1\n[DEFAULT]\nA = 2\n", None),
    ("same option in DEFAULT and a section is fine", b"[DEFAULT]\na = 1\n[default]\na = 2\n", None),
    ("deferred error then fatal error", b"[default]\nbogus\n[default]\n", None),
    ("fatal error after deferred error in order", b"[default]\nbogus\na = 1\nA = 2\n", None),
    ("invalid UTF-8", b"[default]\na = \xff\n", None),
    ("surrogate in UTF-8", b"[default]\na = \xed\xa0\x80\n", None),
    ("overlong UTF-8", b"[default]\na = \xc0\xaf\n", None),
    ("truncated UTF-8 at end", b"[default]\na = \xe2\x82", None),
    ("nested line without equals", b"[default]\ns3 =\n  a = 1\n  oops\n", None),
    ("nested line with only a colon", b"[default]\ns3 =\n  a: 1\n", None),
    ("nested error in an ignored section", b"[preview]\nx =\n  bad\n", None),
    ("nested error in DEFAULT with a section", b"[DEFAULT]\nx =\n  bad\n[plugins]\n", None),
    ("nested error in DEFAULT alone is fine", b"[DEFAULT]\nx =\n  bad\n", None),
    ("error in credentials file", b"[default]\na = 1\n", b"[default]\nbogus\n"),
    ("continuation of empty-named option", b"[default]\n= x\n  y\n", None),
]


def run(config, credentials):
    with tempfile.TemporaryDirectory() as tmp:
        env = {}
        for var, name, data in (
            ("AWS_CONFIG_FILE", "config", config),
            ("AWS_SHARED_CREDENTIALS_FILE", "credentials", credentials),
        ):
            path = os.path.join(tmp, name)
            if data is not None:
                with open(path, "wb") as f:
                    f.write(data)
            env[var] = path
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            session = botocore.session.Session()
            try:
                full = session.full_config
            except botocore.exceptions.ConfigParseError as e:
                which = "credentials" if e.kwargs["path"].endswith("credentials") else "config"
                return ("error", which, error_line(e))
            return ("ok", full["profiles"], full.get("sso_sessions", {}), full.get("services", {}))
        finally:
            os.environ.clear()
            os.environ.update(saved)


def error_line(e):
    inner = e.kwargs["error"]
    # MissingSectionHeaderError is a ParsingError too, so it goes first.
    if isinstance(inner, (configparser.MissingSectionHeaderError, configparser.DuplicateSectionError,
                          configparser.DuplicateOptionError)):
        return inner.lineno
    if isinstance(inner, configparser.ParsingError):
        return inner.errors[0][0]
    return None  # UnicodeDecodeError, nested-block ValueError: no line from botocore


def swift_string(text):
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        else:
            out.append("\\u{%x}" % code)
    return '"' + "".join(out) + '"'


def swift_bytes(data):
    if data is None:
        return "nil"
    try:
        return "Array(%s.utf8)" % swift_string(data.decode("utf-8"))
    except UnicodeDecodeError:
        return "[" + ", ".join("0x%02x" % b for b in data) + "]"


def swift_settings(settings, indent):
    if not settings:
        return "[:]"
    items = []
    for key in sorted(settings):
        value = settings[key]
        if isinstance(value, dict):
            inner = ", ".join("%s: %s" % (swift_string(k), swift_string(v)) for k, v in sorted(value.items()))
            rendered = ".nested([%s])" % (inner or ":")
        else:
            rendered = ".string(%s)" % swift_string(value)
        items.append("%s%s: %s," % (" " * (indent + 4), swift_string(key), rendered))
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def swift_map(profiles, indent):
    if not profiles:
        return "[:]"
    items = []
    for name in sorted(profiles):
        items.append("%s%s: %s," % (" " * (indent + 4), swift_string(name), swift_settings(profiles[name], indent + 4)))
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def main():
    lines = [
        "// Generated by scripts/generate-config-cases.py from botocore %s; do not edit." % botocore.__version__,
        "// Each case: the two files' bytes (nil: no such file) and what Session.full_config made of them.",
        "",
        "@testable import AWSConfigFile",
        "",
        "let botocoreCases: [BotocoreCase] = [",
    ]
    for name, config, credentials in CASES:
        result = run(config, credentials)
        lines.append("    BotocoreCase(")
        lines.append("        name: %s," % swift_string(name))
        lines.append("        config: %s," % swift_bytes(config))
        lines.append("        credentials: %s," % swift_bytes(credentials))
        if result[0] == "error":
            line = "nil" if result[2] is None else str(result[2])
            lines.append("        expected: .error(file: .%s, line: %s)" % (result[1], line))
        else:
            _, profiles, sso, services = result
            lines.append("        expected: .files(")
            lines.append("            profiles: %s," % swift_map(profiles, 12))
            lines.append("            ssoSessions: %s," % swift_map(sso, 12))
            lines.append("            services: %s" % swift_map(services, 12))
            lines.append("        )")
        lines.append("    ),")
    lines.append("]")
    path = os.path.join("Tests", "AWSConfigFileTests", "BotocoreCases.swift")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run(["swift", "format", "--in-place", path], check=False)
    print("wrote %d cases to %s" % (len(CASES), path), file=sys.stderr)


if __name__ == "__main__":
    main()
