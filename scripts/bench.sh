#!/usr/bin/env bash
# Benchmarks (numbers for the README, not tests): engine throughput for 10,000 messages
# SQS → Lambda, the cost of a trivial invocation and Step Functions executions per second
# (a 10-state Pass/Choice chain and a Map over 1,000 items — the same definitions also
# run by the aws-local-stepfunctions npm package for comparison), natively and in wasm
# (headless Chromium), the page's start time, and the site's wasm + JS sizes; the page's
# interactive time, frame time with 1,000 messages in flight and first-visit gzip bytes.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
cargo fetch --quiet
cargo build --quiet --profile bench-native -p playground-cli
./target/bench-native/playground bench --messages 10000 --invocations 5000 --executions 2000
node scripts/bench-sfn-local.mjs 2000
trunk build --quiet
node scripts/bench-wasm.mjs
node scripts/bench-page.mjs
