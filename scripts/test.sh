#!/usr/bin/env bash
# Installs whatever is missing, then runs every test: formatting and lints, the
# engine's unit and scenario tests, the engine inside headless Chromium
# (wasm-bindgen-test), and the end-to-end tests of the built site (Playwright).
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
cargo fetch --quiet

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The page and the worker are wasm32 code: lint them as such too.
cargo clippy -p playground-app --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

step "engine: unit and scenario tests (native)"
cargo test --workspace --exclude playground-app

step "engine in headless Chromium (wasm-bindgen-test)"
(cd app && cargo test --target wasm32-unknown-unknown --test core_in_browser)

step "site build (trunk, release)"
trunk build

step "end-to-end tests in headless Chromium (Playwright)"
node --test --test-concurrency=1 tests/e2e/
