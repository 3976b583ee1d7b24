#!/usr/bin/env bash
# Fuzzes the package's pure Swift parsers with libFuzzer for a bounded time each (default 60 seconds;
# `scripts/fuzz.sh 45`). Every folder Fuzz/<Target> with a main.swift is a fuzz target; it links the
# package targets its main.swift imports and everything they depend on, as the manifest says
# (scripts/lib/fuzz-modules.py reads `swift package dump-package`), built as modules with
# `swiftc -sanitize=fuzzer,address -enable-testing` into .build-fuzz/ (SwiftPM's build is not involved:
# those targets must be pure Swift, which the script checks). A folder with a main.c instead fuzzes C
# code of the package, which its main.c includes (the sd-bus reader's decoding of Secret Service
# replies); it is built with clang and the C targets' include folders. Each run starts from a copy of the
# checked-in corpus in Fuzz/<Target>/corpus, so the corpus is not grown. Prints per target the
# executions and the result; exits 1 when any target found a crash or a broken invariant (with the
# reproducer's path in the output), or ran no input at all.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case $seconds in '' | *[!0-9]* | 0)
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
  ;;
esac

# The package targets each fuzz target links, lowest first (each may import the ones before it).
declare -A modules=()
targets=()
manifest=$(swift package --scratch-path .build-fuzz/manifest dump-package)
plan=$(python3 scripts/lib/fuzz-modules.py <<<"$manifest")
while read -r target linked; do
  targets+=("$target")
  modules[$target]=$linked
done <<<"$plan"
c_targets=()
for main in Fuzz/*/main.c; do
  [ -e "$main" ] || continue
  target=$(basename "$(dirname "$main")")
  targets+=("$target")
  c_targets+=("$target")
done
echo "== fuzz targets: ${targets[*]}" >&2

out=.build-fuzz
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -package-name awskeyring_helper -I "$out/modules")
mkdir -p "$out/modules"
declare -A built=()
c_includes=()
for include in Sources/*/include; do c_includes+=(-I "$include"); done
for target in "${c_targets[@]}"; do
  echo "== building fuzz target $target" >&2
  # The C code it includes calls libcrypto through CDigest (linked here) and libmd's SHA-256.
  clang -fsanitize=fuzzer,address -fuse-ld=lld -O1 -g "${c_includes[@]}" "Fuzz/$target/main.c" \
    Sources/CDigest/digest.c -o "$out/fuzz-$target" -ldl -lpthread -l:libmd.a
done
for target in "${targets[@]}"; do
  [ -z "${modules[$target]+set}" ] && continue
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
  if [ -d "Fuzz/$target/corpus" ]; then
    cp -r "Fuzz/$target/corpus/." "$corpus/"
  fi
  log="$out/fuzz-$target.log"
  echo "== fuzzing $target for ${seconds}s" >&2
  status=0
  # -close_fd_mask=1 keeps stdout quiet; libFuzzer's own report goes to stderr, which is the log.
  ASAN_OPTIONS=detect_leaks=0:handle_abort=1 "$out/fuzz-$target" "$corpus" \
    -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$target-" -close_fd_mask=1 >"$log" 2>&1 </dev/null || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$status" -eq 0 ] && [ "${runs:-0}" -gt 0 ] 2>/dev/null; then
    summary+=("$target: $runs executions, no crash")
  elif [ "$status" -eq 0 ]; then
    # A target that ran no input (it could not start, or its stats were not printed) proves nothing.
    failed=1
    summary+=("$target: ${runs:-no count of} executions, FAILED: ran no input; log: $log")
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
