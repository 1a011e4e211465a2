#!/usr/bin/env bash
# Instructions per CLI line (callgrind counts instructions, not seconds: stable on a noisy
# machine). Runs `jitgate eval --threads 1` over 1,000 and 6,000 lines cycling through the example
# sign-ins, with and without --explain, and prints (count(6000) - count(1000)) / 5000, which
# leaves out loading and compiling the tenant. Needs valgrind.
# Usage: benches/cli_instructions.sh   (from the repository root, after `cargo build --release`)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/jitgate
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for n in 1000 6000; do
  python3 - "$n" > "$tmp/req$n.jsonl" <<'PY'
import sys
lines = [l for l in open("examples/signins.jsonl") if l.strip()]
n = int(sys.argv[1])
sys.stdout.write("".join(lines[i % len(lines)] for i in range(n)))
PY
done
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" eval --tenant examples/tenant \
    --requests "$tmp/req$1.jsonl" --threads 1 $2 2>&1 >/dev/null | sed -n 's/.*Collected : //p'
}
for flag in "" "--explain"; do
  a=$(count 1000 "$flag"); b=$(count 6000 "$flag")
  echo "eval ${flag:-(no explain)}: $(( (b - a) / 5000 )) instructions per line"
done
