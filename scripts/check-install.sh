#!/usr/bin/env bash
# Installs the tool as users do and removes it again, checking each step (scripts/test.sh's package stage):
#   1. the Debian package with `apt-get install ./DEB` (dpkg when apt-get is missing): the programs answer
#      from /usr/bin and /usr/libexec, the end-to-end tests named in TESTS pass against the installed
#      binary; `apt-get remove` leaves none of the package's files, and after `apt-get purge` (when
#      remove left anything for it) dpkg knows nothing of the package;
#   2. scripts/install.sh --prefix into a new folder: the programs answer, the installation tests pass;
#      --uninstall leaves no file behind.
# The package must not be installed already (this removes it at the end).
#
#   scripts/check-install.sh DEB [TESTS...]
# REPORTS, when set, is a folder for the tests' JUnit reports (scripts/lib/check-skips.py reads them).
set -euo pipefail
cd "$(dirname "$0")/.."

(($# >= 1)) || {
  echo "usage: scripts/check-install.sh DEB [TESTS...]" >&2
  exit 2
}
deb="$(realpath "$1")"
shift
tests=("$@")
package=awskeyring-helper
version="$(scripts/version.sh)"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

problem() {
  echo "check-install: $*" >&2
  exit 1
}

installed() {
  [ "$(dpkg-query -W -f '${db:Status-Status}' "$package" 2>/dev/null)" = installed ]
}

# The installed programs answer: the helper itself (--version), the commands program it becomes (--help),
# and that program's server part, which refuses a hand-over it did not write.
answers() {
  local helper="$1" libexec="$2" out status
  out="$("$helper" --version)" || problem "$helper --version failed"
  [ "$out" = "$version" ] || problem "$helper --version says '$out', expected '$version'"
  out="$("$helper" --help)" || problem "$helper --help failed (the commands program did not answer)"
  grep -q -- "--profile" <<<"$out" || problem "$helper --help printed no usage: $out"
  status=0
  out="$("$libexec/awskeyring-helper-commands" --serve-handed-over 2>&1 >/dev/null)" || status=$?
  [ "$status" -eq 64 ] && grep -q "awskeyring-helper exec --server" <<<"$out" \
    || problem "$libexec/awskeyring-helper-commands did not refuse a hand-over typed by hand (exit $status): $out"
}

run_tests() {
  local helper="$1" name="$2"
  shift 2
  (($#)) || return 0
  local report=()
  [ -z "${REPORTS:-}" ] || report=(--junitxml "$REPORTS/$name.xml")
  AWSKEYRING_HELPER_BIN="$helper" python3 -m pytest -q -p no:cacheprovider "${report[@]}" "$@"
}

# --- 1. the Debian package, as users install and remove it
if installed; then
  problem "$package is installed on this machine already; remove it first (this check installs and removes it)"
fi
if command -v apt-get >/dev/null; then
  echo "== apt-get install $deb" >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
else
  echo "== dpkg -i $deb" >&2
  "${as_root[@]}" dpkg -i "$deb" >/dev/null
fi
installed || problem "$package is not installed after installing $deb"
[ "$(dpkg-query -W -f '${Version}' "$package")" = "$version" ] || problem "the installed version is not $version"
mapfile -t files < <(dpkg-query -L "$package" | while IFS= read -r path; do
  [ -d "$path" ] || printf '%s\n' "$path"
done)
((${#files[@]} >= 8)) || problem "dpkg lists only ${#files[@]} files for $package: ${files[*]}"
[ "$(command -v awskeyring-helper)" = /usr/bin/awskeyring-helper ] || problem "awskeyring-helper is not on PATH as /usr/bin/awskeyring-helper"
answers /usr/bin/awskeyring-helper /usr/libexec/awskeyring-helper
remove() {
  if command -v apt-get >/dev/null; then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$1" -y -qq "$package" >/dev/null
  else
    "${as_root[@]}" dpkg "--$1" "$package" >/dev/null
  fi
}
# Removed even when the tests fail, so that a failed run leaves the machine as it was.
trap 'installed && remove purge' EXIT
run_tests /usr/bin/awskeyring-helper deb "${tests[@]}"

echo "== apt-get remove $package" >&2
remove remove
for path in "${files[@]}"; do
  [ ! -e "$path" ] && [ ! -L "$path" ] || problem "apt-get remove left $path behind"
done
for dir in /usr/libexec/awskeyring-helper /usr/share/doc/awskeyring-helper; do
  [ ! -e "$dir" ] || problem "apt-get remove left $dir behind"
done
# With no configuration files, removing forgets the package altogether; otherwise purge forgets it.
status="$(dpkg-query -W -f '${db:Status-Abbrev}' "$package" 2>/dev/null || true)"
case "$status" in
  "" | "un "* | "pn "*) ;;
  *)
    echo "== apt-get purge $package (dpkg status after remove: '$status')" >&2
    remove purge
    status="$(dpkg-query -W -f '${db:Status-Abbrev}' "$package" 2>/dev/null || true)"
    case "$status" in "" | "un "* | "pn "*) ;; *) problem "dpkg still knows $package after purge (status '$status')" ;; esac
    ;;
esac
trap - EXIT

# --- 2. scripts/install.sh into a prefix, and --uninstall
prefix="$(mktemp -d)/prefix with space"
trap 'rm -rf "$(dirname "$prefix")"' EXIT
echo "== scripts/install.sh --prefix '$prefix'" >&2
helper="$(scripts/install.sh --prefix "$prefix")"
[ "$helper" = "$prefix/bin/awskeyring-helper" ] || problem "install.sh printed '$helper', not $prefix/bin/awskeyring-helper"
source scripts/lib/install-layout.sh
while IFS= read -r path; do
  [ -s "$prefix/$path" ] || problem "install.sh did not install $path"
done < <(install_layout_paths share/zsh/site-functions)
answers "$helper" "$prefix/libexec/awskeyring-helper"
run_tests "$helper" install-sh Tests/EndToEnd/test_installation.py
echo "== scripts/install.sh --prefix '$prefix' --uninstall" >&2
scripts/install.sh --prefix "$prefix" --uninstall 2>/dev/null
left="$(find "$prefix" ! -type d)"
[ -z "$left" ] || problem "install.sh --uninstall left files behind: $left"
for dir in libexec/awskeyring-helper share/doc/awskeyring-helper; do
  [ ! -e "$prefix/$dir" ] || problem "install.sh --uninstall left $prefix/$dir behind"
done
echo "check-install: the package and install.sh install programs that answer and remove every file" >&2
