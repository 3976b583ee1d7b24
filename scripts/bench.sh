#!/usr/bin/env bash
# Measures the cached path against `secret-tool lookup` (one keyring item) in the same run: builds the
# release binary, starts the private sandbox (D-Bus, gnome-keyring, moto as STS), stores keys, warms
# the cache, then alternates the commands RUNS times (default 40) and prints medians, ratios and peak
# memory, CPU time and callgrind instruction counts, for a small config file and for generated ones with
# 3,000 and 30,000 more role profiles; then times explain, doctor --offline, list and clear with the
# 30,000. Usage: scripts/bench.sh [RUNS] [--write-docs]; AWSKEYRING_BENCH_BIN=DIR measures the programs
# in DIR instead of building (to compare two builds in the same conditions). --write-docs puts the figures
# into docs/performance.md, the one place they are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=40
for argument in "$@"; do
  case "$argument" in
    --write-docs) export AWSKEYRING_BENCH_DOCS="$PWD/docs/performance.md" ;;
    '' | *[!0-9]*)
      echo "usage: scripts/bench.sh [RUNS] [--write-docs]" >&2
      exit 2
      ;;
    *) runs=$argument ;;
  esac
done

scripts/install-deps.sh
source scripts/lib/python-env.sh
if [ -n "${AWSKEYRING_BENCH_BIN:-}" ]; then
  bin="$AWSKEYRING_BENCH_BIN/awskeyring-helper"
else
  swift build -c release --disable-local-rpath >&2
  bin="$(swift build -c release --disable-local-rpath --show-bin-path)/awskeyring-helper"
fi

source scripts/lib/sandbox.sh
sandbox_start
sandbox_start_moto "$(python3 scripts/lib/moto_setup.py --endpoint x --role bench --count)"
eval "$(python3 scripts/lib/moto_setup.py --endpoint "$MOTO_ENDPOINT" --user bench-user --role bench)"
export AWS_ENDPOINT_URL="$MOTO_ENDPOINT" AWS_DEFAULT_REGION=us-east-1
cat >"$AWS_CONFIG_FILE" <<CONFIG
[profile bench-keys]
[profile bench-role]
role_arn = $ROLE_ARN_BENCH
source_profile = bench-keys
CONFIG
for count in 3000 30000; do
  python3 scripts/lib/bench_config.py "$AWS_CONFIG_FILE-$count" "$count" "$ROLE_ARN_BENCH"
done
AWS_ACCESS_KEY_ID="$DEMO_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$DEMO_SECRET_ACCESS_KEY" \
  "$bin" store --profile bench-keys --from-env 2>/dev/null
unset DEMO_SECRET_ACCESS_KEY
printf 'bench-value' | secret-tool store --label="bench reference item" app bench

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $runs alternated runs" >&2
# valgrind 3.19 cannot read the Swift toolchain's DWARF 5: callgrind counts a copy without debug info.
counted="$SANDBOX_DIR/awskeyring-helper"
strip --strip-debug -o "$counted" "$bin"
python3 scripts/lib/bench.py "$bin" "$runs" "$counted"
"$bin" clear >/dev/null 2>&1 || true
