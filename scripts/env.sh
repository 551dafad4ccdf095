# Sourced by the scripts: tools installed by setup.sh come first on PATH (wasm-opt from
# npm's binaryen 132, cargo-installed trunk and wasm-bindgen).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
cd "$ROOT"
