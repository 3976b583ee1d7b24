#!/usr/bin/env bash
# Prints the tool's version, read from its one source: `let toolVersion = "X.Y.Z"` in
# Sources/awskeyring-helper-commands/Version.swift (what `--version` prints). The man page and the Debian package
# take it from here.
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(sed -n 's/^let toolVersion = "\([0-9A-Za-z.+~-]*\)"$/\1/p' Sources/awskeyring-helper-commands/Version.swift)"
if [ -z "$version" ] || [ "$(printf '%s\n' "$version" | wc -l)" -ne 1 ]; then
  echo "version.sh: no single 'let toolVersion = \"X.Y.Z\"' line in Sources/awskeyring-helper-commands/Version.swift" >&2
  exit 1
fi
echo "$version"
