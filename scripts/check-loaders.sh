#!/usr/bin/env bash
# The C libraries the programs load with dlopen on first use (libsecret and GLib, sd-bus, libcrypto,
# libcurl) are called through pointers declared by hand, in one pattern: an X-macro list of each
# function's name, return type and parameters, resolved once under pthread_once. This compiles each
# loader against the libraries' real headers (AWSKH_CHECK_AGAINST_HEADERS; found by pkg-config): any
# difference in a declared type, a structure's layout, a constant or a loaded function's signature fails
# (static assertions). The programs themselves are built without those headers (but curl.h, which the
# shim needs for its option names and checks against in every build). Needs libsecret-1-dev,
# libsystemd-dev, libssl-dev and libcurl4-openssl-dev (scripts/install-deps.sh) and clang (the Swift
# toolchain's; GCC counts `const` function attributes as part of a function's type).
set -euo pipefail
cd "$(dirname "$0")/.."

# check TARGET SOURCE PKG-CONFIG-MODULE...
check() {
  local target="$1" source="$2"
  shift 2
  local cflags=()
  read -r -a cflags <<<"$(pkg-config --cflags "$@")"
  # Every C target's public headers, as SwiftPM gives a target those of the targets it depends on.
  local includes=() dir
  for dir in Sources/*/include; do includes+=(-I"$dir"); done
  clang -fsyntax-only -Wall -Wextra -Werror -DAWSKH_CHECK_AGAINST_HEADERS "${cflags[@]}" \
    "${includes[@]}" "Sources/$target/$source"
  local versions=() module
  for module in "$@"; do versions+=("$module $(pkg-config --modversion "$module")"); done
  echo "$target matches the headers of ${versions[*]}" >&2
}

check CSecretLoader loader.c libsecret-1 glib-2.0
check CSecretBus bus.c libsystemd
check CDigest digest.c libcrypto
check CCurlShim shim.c libcurl

# Every target that loads a library is checked above.
for source in Sources/*/*.c; do
  if grep -q dlopen "$source"; then
    case "$source" in
      Sources/CSecretLoader/loader.c | Sources/CSecretBus/bus.c | Sources/CDigest/digest.c | Sources/CCurlShim/shim.c) ;;
      *)
        echo "check-loaders: $source loads a library with dlopen but is not checked here" >&2
        exit 1
        ;;
    esac
  fi
done
