#!/usr/bin/env bash
# Installs whatever the project needs and is missing: the wasm32 target, trunk,
# wasm-bindgen-cli at the version Cargo.lock pins, wasm-opt (npm binaryen), Debian's
# chromium + chromium-driver, and the npm packages from package-lock.json.
# Everything comes from the package registries; nothing downloads a prebuilt binary.
# Each step detects an existing install and skips it, so a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

TRUNK_VERSION=0.22.1
log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

# --- Rust target ------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# --- Debian packages: chromium + its driver ----------------------------------------
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# --- trunk ------------------------------------------------------------------------
# trunk 0.22 declares rustc 1.96; it builds fine on 1.95 (see shared/TOOLCHAIN.md).
if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
  log "building trunk $TRUNK_VERSION from crates.io (about 11 minutes on 2 cores)"
  cargo install --locked --ignore-rust-version trunk --version "$TRUNK_VERSION"
fi

# --- wasm-bindgen-cli at the exact version of Cargo.lock ---------------------------
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [ -z "$WB_VERSION" ]; then echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION"; then
  log "building wasm-bindgen-cli $WB_VERSION from crates.io"
  # Its own lock file pins webpki-roots 1.0.11, which the registry lacks: fetch the
  # crate's source through cargo, relax that one pin, then install from the source.
  work=$(mktemp -d)
  mkdir -p "$work/fetch/src"
  cat > "$work/fetch/Cargo.toml" <<TOML
[package]
name = "fetch-wasm-bindgen-cli"
version = "0.0.0"
edition = "2021"
[dependencies]
wasm-bindgen-cli = "=$WB_VERSION"
TOML
  echo "" > "$work/fetch/src/lib.rs"
  (cd "$work/fetch" && cargo fetch -q) || true
  crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/wasm-bindgen-cli-"$WB_VERSION".crate 2>/dev/null | head -n1)
  if [ -z "$crate" ]; then echo "setup: could not fetch wasm-bindgen-cli $WB_VERSION" >&2; exit 1; fi
  tar -xzf "$crate" -C "$work"
  (
    cd "$work/wasm-bindgen-cli-$WB_VERSION"
    cargo update -q -p webpki-roots --precise 1.0.10 2>/dev/null || true
    cargo install --locked --path . --root "${CARGO_HOME:-$HOME/.cargo}"
  )
  rm -rf "$work"
fi

# --- npm packages (wasm-opt from binaryen, playwright-core, codemirror, esbuild) ---
if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- editor bundle (CodeMirror, bundled by esbuild at build time) -------------------
if [ -f scripts/build-editor.sh ]; then bash scripts/build-editor.sh; fi

log "ready"
