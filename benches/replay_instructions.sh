#!/usr/bin/env bash
# Instructions per replayed record (callgrind counts instructions, not seconds: stable on a noisy
# machine). Runs `jitgate replay` with one worker thread over 1,000 and 3,000 generated Graph
# records of the example tenant and prints (count(3000) - count(1000)) / 2000, which leaves out
# loading and compiling the tenant. Needs valgrind.
# Usage: benches/replay_instructions.sh   (from the repository root, after `cargo build --release`)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/jitgate
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$bin" generate signinlogs --tenant examples/tenant --count 3000 --seed 1 --output "$tmp/all.jsonl" 2>/dev/null
head -n 1000 "$tmp/all.jsonl" > "$tmp/r1000.jsonl"
cp "$tmp/all.jsonl" "$tmp/r3000.jsonl"
count() {
  RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" replay \
    --tenant examples/tenant --signins "$tmp/r$1.jsonl" --output /dev/null 2>&1 \
    | sed -n 's/.*Collected : //p'
}
a=$(count 1000); b=$(count 3000)
echo "replay: $(( (b - a) / 2000 )) instructions per record"
