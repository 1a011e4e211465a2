#!/usr/bin/env bash
# An embedder's view: a fresh cargo project outside the repository depends on jitgate with
# `default-features = false`, builds without clap, and runs the README's library example
# (examples/embed.rs) with imports from the crate root only.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "embedder"
version = "0.1.0"
edition = "2024"

[dependencies]
jitgate = { path = "$repo", default-features = false }
serde_json = "1"

[workspace]
TOML
cp "$repo/examples/embed.rs" "$dir/src/main.rs"
ln -s "$repo/examples" "$dir/examples"
if grep -n "jitgate::[a-z_]*::" "$dir/src/main.rs"; then
  echo "embedder-check: the example must import from the crate root only" >&2
  exit 1
fi
cd "$dir"
if cargo tree -e normal | grep -q clap; then
  echo "embedder-check: clap is built for a library-only dependency" >&2
  exit 1
fi
# Shares the repository's target directory so dependencies are not built twice.
CARGO_TARGET_DIR="$repo/target" cargo run --quiet
echo "embedder-check: ok (library alone, no clap, README example decided and published)"
