#!/usr/bin/env bash
# Training time and peak memory at 50k and 200k generated messages, through the CLI.
# Usage: benches/train_scale.sh   (from the repository root; needs /usr/bin/time, Debian package `time`)
set -euo pipefail
cargo build --release --quiet --bin deskbot --example generate_corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in 50000 200000; do
  ./target/release/examples/generate_corpus "$n" "$tmp/corpus-$n.csv"
  /usr/bin/time -f "$n messages: %e s wall, %M KB peak RSS" \
    ./target/release/deskbot train --no-tune -q --data "$tmp/corpus-$n.csv" --out "$tmp/model-$n.json" \
    | grep -E "^trained|^features"
done
