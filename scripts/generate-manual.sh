#!/usr/bin/env bash
# Writes the man page awskeyring-helper.1: the commands and options from the release build's own
# description of itself (swift-argument-parser's generate-manual tool, built alone from the package
# checkout already in .build, offline), with the ENVIRONMENT, FILES, EXAMPLES and SEE ALSO sections of
# packaging/man added. No second (debug) build of the tool: the release programs are built if they are
# not there yet (as the package and the install script build them anyway), and generate-manual is a small
# program of its own, built once into .build/manual-tool.
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

fail() {
  echo "generate-manual.sh: $*" >&2
  exit 1
}

bin_dir="$(swift build -c release --disable-local-rpath --show-bin-path)"
if [ ! -x "$bin_dir/awskeyring-helper-commands" ]; then
  swift build -c release --disable-local-rpath >&2
fi
argument_parser=.build/checkouts/swift-argument-parser
[ -d "$argument_parser" ] || fail "$argument_parser is missing: run 'swift build -c release --disable-local-rpath' once first"
tool=.build/manual-tool/release/generate-manual
swift build -c release --package-path "$argument_parser" --scratch-path .build/manual-tool \
  --product generate-manual >&2

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$tool" "$bin_dir/awskeyring-helper-commands" --date "$date" --authors "awskeyring-helper contributors" \
  --output-directory "$scratch" >&2
page="$scratch/awskeyring-helper.1"
[ -f "$page" ] || fail "generate-manual produced no awskeyring-helper.1"

mkdir -p "$out"
# The generator leaves the footer's operating system (.Os) empty; mdoc shows its argument there. It also
# copies the blank lines of the commands' discussions, which roff warns about: they become paragraph
# breaks (.Pp), which is how they render anyway. The sections of packaging/man go where mdoc orders
# them: ENVIRONMENT and FILES before EXIT STATUS, EXAMPLES and SEE ALSO before AUTHORS.
sed -e "s/^\.Os\$/.Os awskeyring-helper $version/" -e 's/^$/.Pp/' "$page" |
  awk -v before_exit=packaging/man/environment-files.mdoc -v before_authors=packaging/man/examples-see-also.mdoc '
    function insert(file,   line) { while ((getline line < file) > 0) print line; close(file) }
    /^\.Sh "EXIT STATUS"$/ { insert(before_exit); exit_done = 1 }
    /^\.Sh AUTHORS$/ { if (!exit_done) { insert(before_exit); exit_done = 1 } insert(before_authors); authors_done = 1 }
    { print }
    END { if (!authors_done) exit 1 }
  ' >"$out/awskeyring-helper.1" || fail "the generated page has no AUTHORS section to put the other sections before"
grep -q "^\.Os awskeyring-helper $version\$" "$out/awskeyring-helper.1" || fail "the page has no .Os line to carry the version"
for section in ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
  grep -q "^\.Sh \"\\{0,1\\}$section\"\\{0,1\\}\$" "$out/awskeyring-helper.1" || fail "the page has no $section section"
done
echo "$out/awskeyring-helper.1"
