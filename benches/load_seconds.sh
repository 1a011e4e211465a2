#!/usr/bin/env bash
# Seconds to load and compile the tenant at Entra's limits (195 policies, 390,000 IP ranges,
# 100,000 users, 5,000 groups; a 45 MB export) and decide one sign-in, as `jitgate eval` does
# for a one-line input: the figure issue 12 sets at 300 ms.
#
# As in replay_records_per_second.sh, the export is read once before the runs (this kernel's
# DAMON gives back file pages not read for a while, so a run after a pause reads the file from
# disk), and each run prints its page faults and the CPU time the hypervisor says it took.
#
# Usage: benches/load_seconds.sh [RUNS] [FILE]
#   (from the repository root, after `cargo build --release`; FILE defaults to
#   target/limits-tenant.json and is generated, seeded, when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
file="${2:-target/limits-tenant.json}"
source benches/run_env.sh
if [ ! -s "$file" ]; then
  echo "generating the limits tenant into $file"
  "$bin" generate tenant --size limits --output "$file"
fi
one="$(mktemp)"
trap 'rm -f "$one"' EXIT
head -n 1 examples/signins.jsonl > "$one"
cat "$file" > /dev/null
machine
times=()
for i in $(seq 1 "$runs"); do
  s0="$(steal)"
  t="$( { /usr/bin/time -f "%e %U %S %M %R" "$bin" eval --tenant "$file" --requests "$one" \
    2>&1 >/dev/null; } | tail -n 1)" || true
  s1="$(steal)"
  read -r wall user sys kb faults <<<"$t"
  if ! [[ "$wall" =~ ^[0-9.]+$ ]]; then
    echo "run $i: eval failed: $t" >&2
    exit 1
  fi
  times+=("$wall")
  printf 'run %d: %s s wall, %s s user, %s s sys, %d MB peak, %d page faults, steal %d ticks\n' \
    "$i" "$wall" "$user" "$sys" "$((kb / 1024))" "$faults" "$((s1 - s0))"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END {
  printf "seconds: min %s, median %s, max %s over %d runs\n", t[1], t[int((NR + 1) / 2)], t[NR], NR }'
