#!/usr/bin/env bash
# One command for a demo site: installs what is missing, builds, and runs `haitang demo`
# (gateway + cloud broker + time-series database + cloud bridge + simulated devices + dashboards).
set -euo pipefail
cd "$(dirname "$0")/.."
HAITANG_SKIP_CHROMIUM=1 bash scripts/install-system-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
exec node bin/haitang.js demo "$@"
