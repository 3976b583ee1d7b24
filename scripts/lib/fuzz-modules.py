"""Prints, for each fuzz target under Fuzz/ (a folder with a main.swift), one line: the target's name, then
the package targets it links, lowest first (each may import the ones before it). The list comes from the
manifest (`swift package dump-package` on stdin): the targets main.swift imports and everything they
depend on. Fails when a fuzz target needs a target with C code or a product of another package, which
the fuzz build (plain swiftc, no SwiftPM) cannot build.

python3 scripts/lib/fuzz-modules.py < <(swift package dump-package)
"""

from __future__ import annotations

import json
import pathlib
import re
import sys

manifest = json.load(sys.stdin)
targets = {t["name"]: t for t in manifest["targets"]}


def dependencies(name: str) -> list[str]:
    result = []
    for dependency in targets[name]["dependencies"]:
        (kind, value), = dependency.items()
        if kind in ("byName", "target"):
            result.append(value[0])
        else:
            sys.exit(f"fuzz.sh: {name} depends on {value[0]} of another package, which the fuzz build cannot link")
    return result


def is_swift(name: str) -> bool:
    folder = pathlib.Path(targets[name].get("path") or f"Sources/{name}")
    return not any(folder.rglob("*.c")) and not (folder / "include").exists()


def ordered(roots: list[str]) -> list[str]:
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dependency in dependencies(name):
            visit(dependency)
        if not is_swift(name):
            sys.exit(f"fuzz.sh: the fuzz build needs {name}, which has C code; fuzz targets link pure Swift targets only")
        order.append(name)

    for root in roots:
        visit(root)
    return order


fuzz_targets = sorted(p.parent.name for p in pathlib.Path("Fuzz").glob("*/main.swift"))
if not fuzz_targets:
    sys.exit("fuzz.sh: no fuzz target (Fuzz/NAME/main.swift)")
for fuzz_target in fuzz_targets:
    source = (pathlib.Path("Fuzz") / fuzz_target / "main.swift").read_text()
    imports = re.findall(r"^\s*(?:@\w+\s+)*import\s+(?:\w+\s+)?(\w+)", source, re.MULTILINE)
    roots = [name for name in imports if name in targets]
    if not roots:
        sys.exit(f"fuzz.sh: Fuzz/{fuzz_target}/main.swift imports no target of the package")
    print(fuzz_target, *ordered(roots))
