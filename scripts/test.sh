#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, checks formatting, runs the Swift unit tests
# (the keyring ones against a real gnome-keyring-daemon on a private D-Bus session), the end-to-end suite
# (the real AWS CLI and boto3 calling the release binary, moto as STS with signature checking), the
# fuzzers, the config parser's differential check against botocore, and the unit tests under ASan/TSan;
# last, the Debian package, installed into a throwaway root and tested there.
#
# scripts/test.sh --quick: lint, build, unit and end-to-end tests only (the inner loop); CI runs it all.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
case "${1:-}" in
  --quick) quick=true ;;
  "") ;;
  *)
    echo "usage: scripts/test.sh [--quick]" >&2
    exit 2
    ;;
esac

scripts/install-deps.sh
source scripts/lib/python-env.sh

stages=0
stage() {
  stages=$((stages + 1))
  echo "== $*" >&2
}

stage "swift format lint"
swift format lint --strict --recursive Package.swift Sources Tests

stage "CSecretLoader's declarations against libsecret's and GLib's headers"
scripts/check-secret-loader.sh

# --disable-local-rpath: no $ORIGIN RUNPATH, as installed (Tests/EndToEnd/test_installation.py checks).
stage "swift build -c release --disable-local-rpath"
swift build -c release --disable-local-rpath
bin="$(swift build -c release --disable-local-rpath --show-bin-path)/awskeyring-helper"

stage "swift build --build-tests"
swift build --build-tests

stage "swift test (in a private keyring sandbox)"
(
  source scripts/lib/sandbox.sh
  sandbox_start
  swift test --skip-build
)

stage "end-to-end tests"
AWSKEYRING_HELPER_BIN="$bin" python3 -m pytest -q -p no:cacheprovider Tests/EndToEnd

if $quick; then
  echo "stages: $stages passed, 0 failed (quick: fuzzing, the botocore differential, sanitizers and the package skipped)"
  exit 0
fi

stage "fuzzing the config parser and the STS response reader (45 s each)"
scripts/fuzz.sh 45

stage "config parser against botocore on generated files"
AWSKEYRING_HELPER_BIN="$bin" python3 scripts/config-differential.py

stage "unit tests under AddressSanitizer and ThreadSanitizer"
scripts/sanitizers.sh

stage "Debian package: build (lintian: no errors, no warnings), install into a throwaway root, smoke test"
deb="$(AWSKEYRING_HELPER_LINTIAN_FAIL_ON=error,warning scripts/package-deb.sh | tail -n 1)"
installed="$(mktemp -d)"
dpkg-deb -x "$deb" "$installed"
package_problem() {
  echo "package stage: $*" >&2
  exit 1
}
for path in usr/bin/awskeyring-helper usr/libexec/awskeyring-helper/awskeyring-helper-commands \
  usr/share/man/man1/awskeyring-helper.1.gz \
  usr/share/bash-completion/completions/awskeyring-helper usr/share/zsh/vendor-completions/_awskeyring-helper \
  usr/share/fish/vendor_completions.d/awskeyring-helper.fish usr/share/doc/awskeyring-helper/copyright; do
  [ -s "$installed/$path" ] || package_problem "$deb has no $path"
done
version="$(scripts/version.sh)"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || package_problem "$deb's Version is not $version"
MANWIDTH=100 man -l "$installed/usr/share/man/man1/awskeyring-helper.1.gz" 2>/dev/null \
  | grep -q "awskeyring-helper $version" || package_problem "the man page does not render with version $version"
bash -c "source '$installed/usr/share/bash-completion/completions/awskeyring-helper' \
  && complete -p awskeyring-helper" >/dev/null || package_problem "the bash completion registers nothing"
AWSKEYRING_HELPER_BIN="$installed/usr/bin/awskeyring-helper" python3 -m pytest -q -p no:cacheprovider \
  Tests/EndToEnd/test_installation.py Tests/EndToEnd/test_awscli.py Tests/EndToEnd/test_server.py
rm -rf "$installed"

# Every stage above stops the script on failure (set -e), so reaching this line means all passed.
echo "stages: $stages passed, 0 failed"
