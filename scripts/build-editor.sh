#!/usr/bin/env bash
# Bundles the code editor (CodeMirror 6 from npm) into app/editor/dist/editor.js with
# esbuild, for Trunk to copy into the site. Run by setup.sh and as Trunk's pre-build hook;
# quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=app/editor/dist/editor.js
if [ -f "$out" ] && [ "$out" -nt app/editor/index.js ] && [ "$out" -nt package-lock.json ]; then
  exit 0
fi
mkdir -p app/editor/dist
node_modules/.bin/esbuild app/editor/index.js --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --log-level=warning --outfile="$out"
