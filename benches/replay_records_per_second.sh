#!/usr/bin/env bash
# Records per second of `jitgate replay` over 1,000,000 generated Graph records (5.9 GB), the
# figure issue 13 sets at 300,000 on this machine's two cores, parse included.
#
# What it takes care of, since each made earlier runs of the same build differ by up to 3x:
# - The input is read once before the runs, and its share held in memory (`fincore`) printed
#   beside each run. This machine's kernel runs DAMON, which gives back file pages not read for a
#   while even when memory is free: a run that finds part of the file gone reads it from disk
#   (about 0.7 GB/s here, 120k records/s) and measures the disk, not jitgate.
# - Each run prints the CPU time the hypervisor says it took from this machine while it ran
#   (`steal` in /proc/stat) and its user and system CPU time.
#
# Usage: benches/replay_records_per_second.sh [RUNS] [FILE]
#   (from the repository root, after `cargo build --release`; FILE defaults to
#   target/replay-1m.jsonl and is generated, seeded, when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
file="${2:-target/replay-1m.jsonl}"
source benches/run_env.sh
if [ ! -s "$file" ]; then
  echo "generating 1000000 records into $file (seed 1)"
  "$bin" generate signinlogs --tenant examples/tenant --count 1000000 --seed 1 --output "$file"
fi
count="$(wc -l < "$file")"
resident() {
  if command -v fincore >/dev/null 2>&1; then
    fincore --bytes --noheadings --output RES "$file" | awk -v size="$(stat -c %s "$file")" \
      '{ printf "%.0f%%", 100 * $1 / size }'
  else
    printf "?"
  fi
}
# The machine's memory speed just before a run: the input copied out of the page cache
# (`cat` to /dev/null), in GB/s. This machine's speed varies by up to 1.6x within minutes, with
# no steal reported (the same build's user time for a million records went from 4.3 s to 7.3 s
# in one session); neither this figure nor a one-thread loop in cache follows it closely, so
# compare builds in alternate runs, and read `benches/replay_instructions.sh` for a count that
# does not move.
copy_speed() {
  local t
  t="$( { /usr/bin/time -f "%e" cat "$file" > /dev/null; } 2>&1 | tail -n 1)"
  awk -v b="$(stat -c %s "$file")" -v t="$t" 'BEGIN { printf "%.1f GB/s", b / 1e9 / (t > 0 ? t : 0.01) }'
}
echo "reading $file into memory ($(resident) resident before)"
cat "$file" > /dev/null
machine
rates=()
for i in $(seq 1 "$runs"); do
  index="$(copy_speed)"
  before="$(resident)"
  s0="$(steal)"
  t="$( { /usr/bin/time -f "%e %U %S %M" "$bin" replay --tenant examples/tenant \
    --signins "$file" --output /dev/null 2>&1 >/dev/null; } | tail -n 1)" || true
  s1="$(steal)"
  read -r wall user sys kb <<<"$t"
  if ! [[ "$wall" =~ ^[0-9.]+$ ]]; then
    echo "run $i: replay failed: $t" >&2
    exit 1
  fi
  rate=$(awk -v n="$count" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
  rates+=("$rate")
  printf 'run %d: %s s wall, %s s user, %s s sys, %d MB peak, %d records/s, %s of the input in memory, steal %d ticks, input copied at %s\n' \
    "$i" "$wall" "$user" "$sys" "$((kb / 1024))" "$rate" "$before" "$((s1 - s0))" "$index"
done
printf '%s\n' "${rates[@]}" | sort -n | awk '{ r[NR] = $1 } END {
  printf "records/s: min %d, median %d, max %d over %d runs\n", r[1], r[int((NR + 1) / 2)], r[NR], NR }'
