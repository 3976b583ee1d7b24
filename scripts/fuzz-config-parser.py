#!/usr/bin/env python3
"""Differential fuzzing of the Swift config parser against botocore.

Writes random config/credentials files built from awkward fragments to a temporary directory, has
the Swift test dumpParsedFilesForFuzzing parse them, and compares with Session.full_config:

    python3 scripts/fuzz-config-parser.py [COUNT] [SEED]
"""

import importlib.util
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("gen", os.path.join(HERE, "generate-config-cases.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

PIECES = [
    "[default]", "[profile a]", "[profile  a]", "[profile 'a b']", "[profile \"x", "[profilea b]", "[DEFAULT]",
    "[sso-session s]", "[services v]", "[x]", "[]", "[a]b]", "a = 1", "A = 2", "b: 3", "c =", "s3 =", "k = v",
    "K=V", "= e", "x", "# c", "; c", "", " ", "\t", "\u00a0", "\u3000", "q = w # z", "p:q=r", "\u03a3 = 1",
    "a\u03a3 = 2", "n = 1\x0bm = 2", "y = \u2028z = 1", "\x0c", "[profile \\'q]", "k\u00a0= 1", "j = \u0085",
    "[profile a\\ b]", "[ default ]",
]
INDENTS = ["", "", "", " ", "  ", "\t", "    ", "\u00a0", "\u3000 "]
ENDS = ["\n", "\n", "\n", "\r\n", "\r"]


def escaped(text):
    return "".join(ch if 0x20 <= ord(ch) < 0x7F and ch != "\\" else "\\u{%x}" % ord(ch) for ch in text)


def dump(result):
    if result[0] == "error":
        return ["ERROR\t%s\t%s" % (result[1], "-" if result[2] is None else result[2])]
    lines = []
    for kind, mapping in (("P", result[1]), ("S", result[2]), ("V", result[3])):
        for name, settings in mapping.items():
            lines.append("%s\t%s" % (kind, escaped(name)))
            for key, value in settings.items():
                prefix = "%s\t%s\t%s\t" % (kind, escaped(name), escaped(key))
                if isinstance(value, dict):
                    lines.append(prefix + "{}")
                    lines.extend(prefix + "{%s=%s" % (escaped(k), escaped(v)) for k, v in value.items())
                else:
                    lines.append(prefix + "=" + escaped(value))
    return lines


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    with tempfile.TemporaryDirectory() as tmp:
        expected = []
        for n in range(count):
            lines = ["[default]" + rnd.choice(ENDS)] if rnd.random() < 0.8 else []
            for _ in range(rnd.randint(0, 14)):
                lines.append(rnd.choice(INDENTS) + rnd.choice(PIECES) + rnd.choice(ENDS))
            config = "".join(lines).encode()
            credentials = None
            if rnd.random() < 0.3:
                credentials = "".join(
                    rnd.choice(INDENTS[:4]) + rnd.choice(PIECES) + "\n" for _ in range(rnd.randint(0, 6))
                ).encode()
            with open(os.path.join(tmp, "%d.config" % n), "wb") as f:
                f.write(config)
            if credentials is not None:
                with open(os.path.join(tmp, "%d.credentials" % n), "wb") as f:
                    f.write(credentials)
            expected.append(sorted(dump(gen.run(config, credentials))))
        env = dict(os.environ, CONFIG_DUMP_DIR=tmp)
        subprocess.run(
            ["swift", "test", "--filter", "dumpParsedFilesForFuzzing"], env=env, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        failures = 0
        for n in range(count):
            with open(os.path.join(tmp, "%d.swift.out" % n), encoding="utf-8") as f:
                actual = sorted(f.read().splitlines())
            # botocore gives no line for some errors (bad UTF-8, nested blocks); the Swift side may.
            if len(expected[n]) == 1 and expected[n][0].endswith("\t-") and len(actual) == 1:
                actual = [actual[0].rsplit("\t", 1)[0] + "\t-"]
            if actual != expected[n]:
                failures += 1
                if failures <= 5:
                    with open(os.path.join(tmp, "%d.config" % n), "rb") as f:
                        print("case %d config %r" % (n, f.read()))
                    print("  botocore:", expected[n])
                    print("  swift:   ", actual)
        print("%d of %d cases differ" % (failures, count))
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
