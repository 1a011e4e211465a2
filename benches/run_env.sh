# Shared by the benchmark scripts that time the release build run after run (sourced, from the
# repository root): the build and GNU time checked for, the machine and commit printed, and
# `steal`, the CPU ticks the hypervisor says it took so far (/proc/stat).
bin=target/release/jitgate
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }
[ -x "$bin" ] || { echo "needs $bin: run cargo build --release first" >&2; exit 2; }
steal() { awk '/^cpu / { print $9 }' /proc/stat; }
machine() { echo "nproc=$(nproc) $(git rev-parse --short HEAD 2>/dev/null || true) $(date -u +%FT%TZ)"; }
