#!/usr/bin/env bash
# The unit tests under AddressSanitizer (with LeakSanitizer) and ThreadSanitizer, each in its own build
# folder (.build-asan, .build-tsan) and in a private keyring sandbox, as scripts/test.sh runs them.
# `scripts/sanitizers.sh address` or `thread` runs one. Exits non-zero when a test fails or a sanitizer
# reports anything; the suppression files in scripts/lib name the few reports that come from the toolchain
# or system libraries, with the reason for each.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=("$@")
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(address thread)
lib="$PWD/scripts/lib"

for sanitizer in "${sanitizers[@]}"; do
  case $sanitizer in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    *)
      echo "usage: scripts/sanitizers.sh [address|thread]..." >&2
      exit 2
      ;;
  esac
  echo "== swift build --build-tests --sanitize=$sanitizer" >&2
  swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
  echo "== swift test --sanitize=$sanitizer (in a private keyring sandbox)" >&2
  rm -f "$scratch"/sanitizer-tests*
  (
    source scripts/lib/sandbox.sh
    sandbox_start
    # The slow unwinder: GLib has no frame pointers, and suppressions need the frames inside libsecret.
    export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:fast_unwind_on_malloc=0"
    export LSAN_OPTIONS="suppressions=$lib/lsan-suppressions.txt:print_suppressions=0"
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$lib/tsan-suppressions.txt"
    swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" \
      --xunit-output "$scratch/sanitizer-tests.xml" 2>&1 | tee "$scratch/sanitizer-tests.log"
  )
  # As in scripts/test.sh: a skipped test fails unless Tests/allowed-skips.txt lists it.
  python3 scripts/lib/check-skips.py "swift test --sanitize=$sanitizer" --log "$scratch/sanitizer-tests.log" \
    "$scratch"/sanitizer-tests*.xml
  echo "== $sanitizer sanitizer: unit tests passed, nothing reported" >&2
done
