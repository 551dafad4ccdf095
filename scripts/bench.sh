#!/usr/bin/env bash
# Benchmarks (numbers for the README, not tests): engine throughput for 10,000 messages
# SQS → Lambda and the cost of a trivial invocation, natively and in wasm (headless
# Chromium), the page's start time, and the site's wasm + JS sizes raw and gzipped.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
cargo fetch --quiet
cargo build --quiet --profile bench-native -p playground-cli
./target/bench-native/playground bench --messages 10000 --invocations 5000
trunk build --quiet
node scripts/bench-wasm.mjs
