#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, checks formatting, runs the Swift unit tests
# (the keyring ones against a real gnome-keyring-daemon on a private D-Bus session), the end-to-end suite
# (the real AWS CLI and boto3 calling the release binary, moto as STS with signature checking), the
# fuzzers, the config parser's differential check against botocore, and the unit tests under ASan/TSan.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
source scripts/lib/python-env.sh

stages=0
stage() {
  stages=$((stages + 1))
  echo "== $*" >&2
}

stage "swift format lint"
swift format lint --strict --recursive Package.swift Sources Tests

stage "swift build -c release"
swift build -c release
bin="$(swift build -c release --show-bin-path)/awskeyring-helper"

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

stage "fuzzing the config parser and the STS response reader (45 s each)"
scripts/fuzz.sh 45

stage "config parser against botocore on generated files"
AWSKEYRING_HELPER_BIN="$bin" python3 scripts/config-differential.py

stage "unit tests under AddressSanitizer and ThreadSanitizer"
scripts/sanitizers.sh

# Every stage above stops the script on failure (set -e), so reaching this line means all passed.
echo "stages: $stages passed, 0 failed"
