#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, checks formatting, runs the Swift unit tests
# (the keyring ones against a real gnome-keyring-daemon on a private D-Bus session), the end-to-end suite
# (the real AWS CLI and boto3 calling the release binary, moto as STS with signature checking), the
# fuzzers, the config parser's differential check against botocore, and the unit tests under ASan/TSan;
# last, the Debian package, installed and removed as users do, and scripts/install.sh into a prefix.
# A stage that ran nothing fails: a test skipped without a reason in Tests/allowed-skips.txt, a fuzz
# target without executions, a differential without a compared profile.
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

# The tests' JUnit reports, read by scripts/lib/check-skips.py: a skipped test fails its stage unless
# Tests/allowed-skips.txt lists it with a reason.
reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT

stage "swift format lint"
swift format lint --strict --recursive Package.swift Sources Tests

stage "the loaded C libraries' declarations against their headers (libsecret, sd-bus, libcrypto, libcurl)"
scripts/check-loaders.sh

# --disable-local-rpath: no $ORIGIN RUNPATH, as installed (Tests/EndToEnd/test_installation.py checks).
stage "swift build -c release --disable-local-rpath"
swift build -c release --disable-local-rpath
bin="$(swift build -c release --disable-local-rpath --show-bin-path)/awskeyring-helper"

# The import check makes the layers real: a target importing another it does not declare in Package.swift
# fails to build.
stage "swift build --build-tests --explicit-target-dependency-import-check error"
swift build --build-tests --explicit-target-dependency-import-check error

stage "swift test (in a private keyring sandbox)"
(
  source scripts/lib/sandbox.sh
  sandbox_start
  swift test --skip-build --xunit-output "$reports/swift.xml" 2>&1 | tee "$reports/swift.log"
)
python3 scripts/lib/check-skips.py "swift test" --log "$reports/swift.log" "$reports"/swift*.xml

stage "end-to-end tests"
AWSKEYRING_HELPER_BIN="$bin" python3 -m pytest -q -p no:cacheprovider --junitxml "$reports/e2e.xml" Tests/EndToEnd
python3 scripts/lib/check-skips.py "end-to-end tests" "$reports/e2e.xml"

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

stage "Debian package: build (lintian: no errors, no warnings), contents, install and remove with apt; scripts/install.sh"
deb="$(AWSKEYRING_HELPER_LINTIAN_FAIL_ON=error,warning scripts/package-deb.sh | tail -n 1)"
unpacked="$(mktemp -d)"
dpkg-deb -x "$deb" "$unpacked"
package_problem() {
  echo "package stage: $*" >&2
  exit 1
}
for path in usr/bin/awskeyring-helper usr/libexec/awskeyring-helper/awskeyring-helper-commands \
  usr/share/man/man1/awskeyring-helper.1.gz \
  usr/share/bash-completion/completions/awskeyring-helper usr/share/zsh/vendor-completions/_awskeyring-helper \
  usr/share/fish/vendor_completions.d/awskeyring-helper.fish usr/share/doc/awskeyring-helper/copyright; do
  [ -s "$unpacked/$path" ] || package_problem "$deb has no $path"
done
version="$(scripts/version.sh)"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || package_problem "$deb's Version is not $version"
MANWIDTH=100 man -l "$unpacked/usr/share/man/man1/awskeyring-helper.1.gz" 2>/dev/null \
  | grep -q "awskeyring-helper $version" || package_problem "the man page does not render with version $version"
for section in ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
  MANWIDTH=100 man -l "$unpacked/usr/share/man/man1/awskeyring-helper.1.gz" 2>/dev/null \
    | grep -q "^$section\$" || package_problem "the man page has no $section section"
done
bash -c "source '$unpacked/usr/share/bash-completion/completions/awskeyring-helper' \
  && complete -p awskeyring-helper" >/dev/null || package_problem "the bash completion registers nothing"
rm -rf "$unpacked"
# Installed with apt-get, the end-to-end tests of the installation, the AWS CLI and the server run against
# /usr/bin/awskeyring-helper; then removed and purged, and the same for scripts/install.sh --prefix.
REPORTS="$reports" scripts/check-install.sh "$deb" \
  Tests/EndToEnd/test_installation.py Tests/EndToEnd/test_awscli.py Tests/EndToEnd/test_server.py
python3 scripts/lib/check-skips.py "package stage" "$reports/deb.xml" "$reports/install-sh.xml"

# Every stage above stops the script on failure (set -e), so reaching this line means all passed.
echo "stages: $stages passed, 0 failed"
