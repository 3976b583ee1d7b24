"""Fails a test stage that skipped a test, or ran none. Reads the JUnit XML reports that pytest
(--junitxml) and swift test (--xunit-output) write, and the allowed skips in Tests/allowed-skips.txt:
a skipped test passes only when a line there names it (shell-style pattern on `classname.name`, as the
report prints it) and gives the reason after ` -- `. Swift Testing reports a cancelled test as passed in
its XML; with --log, the console output of swift test is read too, and a cancelled test fails the stage.

python3 scripts/lib/check-skips.py STAGE [--log SWIFT-TEST-OUTPUT] REPORT.xml...
"""

from __future__ import annotations

import fnmatch
import pathlib
import sys
import xml.etree.ElementTree as ET

ALLOWED = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "allowed-skips.txt"


def allowed_skips() -> list[str]:
    patterns = []
    for number, line in enumerate(ALLOWED.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, _, reason = line.partition(" -- ")
        if not reason.strip():
            sys.exit(f"{ALLOWED}:{number}: an allowed skip needs its reason after ' -- '")
        patterns.append(pattern.strip())
    return patterns


def main() -> int:
    if len(sys.argv) < 3:
        print("usage: check-skips.py STAGE REPORT.xml...", file=sys.stderr)
        return 2
    stage, reports = sys.argv[1], sys.argv[2:]
    patterns = allowed_skips()
    ran = 0
    unexplained = []
    if reports[:1] == ["--log"] and len(reports) >= 3:
        log, reports = reports[1], reports[2:]
        for line in pathlib.Path(log).read_text(errors="replace").splitlines():
            if " was cancelled" in line:
                unexplained.append(f"cancelled: {line.strip()}")
    for report in reports:
        for case in ET.parse(report).getroot().iter("testcase"):
            name = f"{case.get('classname', '')}.{case.get('name', '')}"
            skipped = case.find("skipped")
            if skipped is None:
                ran += 1
            elif not any(fnmatch.fnmatchcase(name, p) for p in patterns):
                unexplained.append(f"{name}: {skipped.get('message') or skipped.text or 'no reason given'}")
    for line in unexplained:
        print(f"{stage}: skipped, and not in Tests/allowed-skips.txt: {line}", file=sys.stderr)
    if ran == 0:
        print(f"{stage}: no test ran ({', '.join(reports)})", file=sys.stderr)
        return 1
    print(f"{stage}: {ran} tests ran, {len(unexplained)} skipped without an allowed reason", file=sys.stderr)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
