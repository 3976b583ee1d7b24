#!/usr/bin/env bash
# Fuzzes the config file parser, the STS response reader and the sd-bus reader's decoding of Secret
# Service replies with libFuzzer for a bounded time each
# (default 60 seconds; `scripts/fuzz.sh 45`). Each fuzz target links the package's own targets under it
# (AWSConfigFile; HelperSupport and AWSXML), built as modules with `swiftc -sanitize=fuzzer,address
# -enable-testing` into .build-fuzz/ (SwiftPM's build is not involved: those targets are pure Swift and
# import nothing outside these lists, which Package.swift keeps so). Each run starts from a copy of the
# checked-in corpus in Fuzz/<Target>/corpus, so the corpus is not grown. Prints per target the
# executions and the result; exits 1 when any target found a crash or a broken invariant, with the
# reproducer's path in the output.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case $seconds in '' | *[!0-9]*)
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
  ;;
esac

# The package targets each fuzz target links, lowest first (each may import the ones before it).
declare -A modules=(
  [ConfigParser]="AWSConfigFile"
  [STSResponse]="HelperSupport AWSXML"
  [SecretBusReply]=""
)
targets=(ConfigParser STSResponse SecretBusReply)

out=.build-fuzz
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -package-name awskeyring_helper -I "$out/modules")
mkdir -p "$out/modules"
declare -A built=()
for target in "${targets[@]}"; do
  # A C target (Fuzz/<Target>/main.c) includes the C source it fuzzes itself.
  if [ -f "Fuzz/$target/main.c" ]; then
    echo "== building fuzz target $target" >&2
    clang -fsanitize=fuzzer,address -fuse-ld=lld -O1 -g -I Sources/CSecretBus/include "Fuzz/$target/main.c" -o "$out/fuzz-$target" -ldl -lpthread
    continue
  fi
  objects=()
  for module in ${modules[$target]}; do
    if [ -z "${built[$module]:-}" ]; then
      echo "== building module $module" >&2
      mapfile -t files < <(find "Sources/$module" -name '*.swift' | sort)
      swiftc "${flags[@]}" -enable-testing -wmo -module-name "$module" -emit-module \
        -emit-module-path "$out/modules/$module.swiftmodule" -c "${files[@]}" -o "$out/$module.o"
      built[$module]=1
    fi
    objects+=("$out/$module.o")
  done
  echo "== building fuzz target $target" >&2
  swiftc "${flags[@]}" -use-ld=lld -module-name "Fuzz$target" "Fuzz/$target/main.swift" "${objects[@]}" \
    -o "$out/fuzz-$target"
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
