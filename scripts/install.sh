#!/usr/bin/env bash
# Installs awskeyring-helper under a prefix, for systems without dpkg: the same files as the Debian
# package (scripts/lib/install-layout.sh), built from this checkout. --uninstall removes exactly those
# files (and the documentation folder, once empty), nothing else.
#
#   scripts/install.sh [--prefix DIR]                 (default /usr/local)
#   scripts/install.sh [--prefix DIR] --uninstall
#
# It builds as the user running it and copies with sudo when the prefix is not writable. zsh finds the
# completion in DIR/share/zsh/site-functions; bash (with bash-completion) and fish find theirs when DIR/share
# is in XDG_DATA_DIRS, as /usr/local/share is by default.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/install-layout.sh

usage() {
  echo "usage: scripts/install.sh [--prefix DIR] [--uninstall]" >&2
  exit 2
}

prefix=/usr/local
uninstall=0
while (($#)); do
  case "$1" in
    --prefix)
      (($# >= 2)) || usage
      prefix="$2"
      shift 2
      ;;
    --prefix=*)
      prefix="${1#--prefix=}"
      shift
      ;;
    --uninstall)
      uninstall=1
      shift
      ;;
    -h | --help) usage ;;
    *)
      echo "install.sh: unknown argument '$1'" >&2
      usage
      ;;
  esac
done
case "$prefix" in
  /*) prefix="${prefix%/}" ;;
  *)
    echo "install.sh: --prefix takes an absolute path, not '$prefix'" >&2
    exit 2
    ;;
esac
zsh_dir=share/zsh/site-functions

# sudo only when needed: the nearest existing folder of the prefix is not writable.
as_owner=()
existing="$prefix"
while [ ! -e "$existing" ]; do existing="$(dirname "$existing")"; done
if [ ! -w "$existing" ] || { [ -d "$prefix/bin" ] && [ ! -w "$prefix/bin" ]; }; then
  [ "$(id -u)" -eq 0 ] || as_owner=(sudo)
fi

if ((uninstall)); then
  while IFS= read -r path; do
    if [ -e "$prefix/$path" ] || [ -L "$prefix/$path" ]; then
      "${as_owner[@]}" rm -f "$prefix/$path"
      echo "removed $prefix/$path" >&2
    fi
  done < <(install_layout_paths "$zsh_dir")
  for dir in share/doc/awskeyring-helper libexec/awskeyring-helper; do
    [ ! -d "$prefix/$dir" ] || "${as_owner[@]}" rmdir "$prefix/$dir"
  done
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bin="$(install_layout_build)"
manpage="$(scripts/generate-manual.sh "$work/man")"
install_layout_stage "$work/stage" "" "$zsh_dir" "$bin" "$manpage"

while IFS= read -r path; do
  mode=0644
  case "$path" in bin/* | libexec/*) mode=0755 ;; esac
  "${as_owner[@]}" install -D -m "$mode" "$work/stage/$path" "$prefix/$path"
  echo "installed $prefix/$path" >&2
done < <(install_layout_paths "$zsh_dir")
echo "$prefix/bin/awskeyring-helper"
