#!/usr/bin/env bash
# Fuzzes the config file parser and the STS response reader with libFuzzer for a bounded time each
# (default 60 seconds; `scripts/fuzz.sh 45`). The targets are built with `swiftc -sanitize=fuzzer,address`
# from the parsers' own source files and the entry files in Fuzz/, into .build-fuzz/; SwiftPM's build is
# not involved. Each run starts from a copy of the checked-in corpus in Fuzz/<Target>/corpus, so the
# corpus is not grown. Prints per target the executions and the result; exits 1 when any target found
# a crash or a broken invariant, with the reproducer's path in the output.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case $seconds in '' | *[!0-9]*)
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
  ;;
esac

core=Sources/AwskeyringCore
declare -A sources=(
  [ConfigParser]="$core/Config/AWSConfigFiles.swift $core/Config/ConfigFileParser.swift
    $core/Config/ConfigValue.swift $core/Config/PythonText.swift $core/Config/ShellWords.swift
    $core/Config/ConfigFileAccess.swift"
  [STSResponse]="$core/STS/STSResponse.swift $core/STS/XMLReader.swift $core/Support/ASCIIText.swift
    $core/Support/Timestamp.swift $core/Credentials/AWSCredentials.swift $core/Output/JSONValue.swift
    $core/AWSQuery/AWSServiceError.swift"
)
targets=(ConfigParser STSResponse)

out=.build-fuzz
mkdir -p "$out"
for target in "${targets[@]}"; do
  echo "== building fuzz target $target" >&2
  # shellcheck disable=SC2086 # the source lists are split on purpose
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld -module-name "Fuzz$target" \
    ${sources[$target]} "Fuzz/$target/main.swift" -o "$out/fuzz-$target"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/awskeyring-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts="$out/artifacts"
mkdir -p "$artifacts"

failed=0
summary=()
for target in "${targets[@]}"; do
  corpus="$work/$target-corpus"
  mkdir -p "$corpus"
  cp Fuzz/$target/corpus/* "$corpus/"
  log="$out/fuzz-$target.log"
  echo "== fuzzing $target for ${seconds}s" >&2
  status=0
  # -close_fd_mask=1 keeps stdout quiet; libFuzzer's own report goes to stderr, which is the log.
  ASAN_OPTIONS=detect_leaks=0:handle_abort=1 "$out/fuzz-$target" "$corpus" \
    -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$target-" -close_fd_mask=1 >"$log" 2>&1 </dev/null || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$status" -eq 0 ]; then
    summary+=("$target: ${runs:-?} executions, no crash")
  else
    failed=1
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    summary+=("$target: ${runs:-?} executions, CRASH (exit $status); reproducer: ${reproducer:-none written}; log: $log")
    grep -E 'invariant violated|ERROR: (AddressSanitizer|libFuzzer)|Fatal error' "$log" | head -5 >&2 || true
  fi
done

echo "== fuzz results" >&2
printf '%s\n' "${summary[@]}"
exit "$failed"
