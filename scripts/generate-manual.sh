#!/usr/bin/env bash
# Writes the man page awskeyring-helper.1, generated from the command definitions by
# swift-argument-parser's generate-manual plugin. Works offline: it uses the package checkouts already
# in .build (run `swift build` once first) and never updates them. The plugin runs a debug build of the
# tool (the page is the same): a release build from the plugin would leave the release build description
# with SwiftPM's $ORIGIN RUNPATH, which a later `swift build -c release --disable-local-rpath` keeps.
#
#   scripts/generate-manual.sh [OUTPUT_DIRECTORY]    (default: .build/man/man1)
#   man -l .build/man/man1/awskeyring-helper.1
#
# The page is generated, not committed: it is reproduced from the sources, dated by the last commit, and
# its footer names the version (scripts/version.sh, the same one `--version` prints).
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-.build/man/man1}"
date="$(git log -1 --format=%cs 2>/dev/null || date -u +%F)"
version="$(scripts/version.sh)"

swift package --skip-update plugin generate-manual --configuration debug --date "$date" --authors "awskeyring-helper contributors" >&2
page="$(find .build/plugins/GenerateManual/outputs -name awskeyring-helper.1 -print -quit)"
if [ -z "$page" ]; then
  echo "generate-manual produced no awskeyring-helper.1" >&2
  exit 1
fi
mkdir -p "$out"
# The generator leaves the footer's operating system (.Os) empty; mdoc shows its argument there. It also
# copies the blank lines of the commands' discussions, which roff warns about: they become paragraph
# breaks (.Pp), which is how they render anyway.
sed -e "s/^\.Os\$/.Os awskeyring-helper $version/" -e 's/^$/.Pp/' "$page" >"$out/awskeyring-helper.1"
grep -q "^\.Os awskeyring-helper $version\$" "$out/awskeyring-helper.1" || {
  echo "generate-manual.sh: the page has no .Os line to carry the version" >&2
  exit 1
}
echo "$out/awskeyring-helper.1"
