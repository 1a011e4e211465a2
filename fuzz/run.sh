#!/usr/bin/env bash
# Runs every fuzz target for N seconds each (default 60) on seed corpora built from examples/.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(load filter sign_in activation differential test_file sign_in_log analysis)
python3 fuzz/seed.py
for t in "${targets[@]}"; do
  echo "== fuzz $t for ${secs}s"
  log="$(mktemp)"
  if ! cargo +nightly fuzz run --fuzz-dir fuzz "$t" "fuzz/corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $t failed (crash, leak, timeout or build error); inputs are in fuzz/artifacts/$t/"
    exit 1
  fi
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$log" || tail -n 5 "$log"
  rm -f "$log"
done
