#!/bin/sh
# Regenerates README's pictures (docs/images/) from full runs of the bundled scenarios, with
# each scenario's own trials and seed. Run from the repository root:
#     sh docs/images/regenerate.sh
# The picture references of the test suite are regenerated separately (tests/picture_refs.rs):
#     HOTHOUSE_BLESS_PICTURES=1 cargo test --release --test picture_refs
set -eu
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for name in default host-investment; do
    ./target/release/hothouse run "scenarios/$name.toml" --out "$out/$name" --quiet
done
cp "$out/default/survival.png" docs/images/default-survival.png
cp "$out/host-investment/graduation.png" docs/images/host-investment-graduation.png
cp "$out/host-investment/cost.png" docs/images/host-investment-cost.png
cp "$out/host-investment/weekly.png" docs/images/host-investment-weekly.png
echo "docs/images/: default-survival.png, host-investment-graduation.png, host-investment-cost.png, host-investment-weekly.png"
