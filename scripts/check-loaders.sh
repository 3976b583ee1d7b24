#!/usr/bin/env bash
# Compiles CSecretLoader (its self-contained header and loader.c) against libsecret's and GLib's real
# headers, found by pkg-config: any difference in a declared type, a structure's layout, a constant or a
# loaded function's signature fails the build (static assertions, AWSKH_CHECK_AGAINST_LIBSECRET). The
# program itself is built without those headers. Needs libsecret-1-dev (scripts/install-deps.sh) and
# clang (the Swift toolchain's; GCC counts `const` function attributes as part of a function's type).
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a cflags <<<"$(pkg-config --cflags libsecret-1)"
clang -fsyntax-only -Wall -Wextra -Werror -DAWSKH_CHECK_AGAINST_LIBSECRET "${cflags[@]}" \
  -ISources/CSecretLoader/include Sources/CSecretLoader/loader.c
echo "CSecretLoader matches libsecret $(pkg-config --modversion libsecret-1) and GLib $(pkg-config --modversion glib-2.0)" >&2
