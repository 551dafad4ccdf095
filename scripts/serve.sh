#!/usr/bin/env bash
# The main job: install whatever is missing, build the site and serve it on
# http://127.0.0.1:8080 (Ctrl+C stops it).
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
cargo fetch --quiet
exec trunk serve
