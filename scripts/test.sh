#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, checks formatting, runs the Swift unit tests
# (the keyring ones against a real gnome-keyring-daemon on a private D-Bus session) and the end-to-end
# suite (the real AWS CLI and boto3 calling the release binary, moto as STS with signature checking).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
source scripts/lib/python-env.sh

echo "== swift format lint" >&2
swift format lint --strict --recursive Package.swift Sources Tests

echo "== swift build -c release" >&2
swift build -c release
bin="$(swift build -c release --show-bin-path)/awskeyring-helper"

echo "== swift build --build-tests" >&2
swift build --build-tests

echo "== swift test (in a private keyring sandbox)" >&2
(
  source scripts/lib/sandbox.sh
  sandbox_start
  swift test --skip-build
)

echo "== end-to-end tests" >&2
AWSKEYRING_HELPER_BIN="$bin" python3 -m pytest -q -p no:cacheprovider Tests/EndToEnd

echo "== fuzzing the config parser and the STS response reader (45 s each)" >&2
scripts/fuzz.sh 45

echo "== config parser against botocore on generated files" >&2
AWSKEYRING_HELPER_BIN="$bin" python3 scripts/config-differential.py

echo "== unit tests under AddressSanitizer and ThreadSanitizer" >&2
scripts/sanitizers.sh
