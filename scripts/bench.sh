#!/usr/bin/env bash
# Build and run the benchmark (release, -O3, no debug checks). Figures are printed, never
# asserted. usage: scripts/bench.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE
configure "$AXV_BUILD/bench" -Dbenchmarks=enabled --buildtype=release \
	-Ddebug_checks=disabled -Dtests=disabled -Ddocs=disabled
ninja -j "$AXV_JOBS" -C "$AXV_BUILD/bench" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|^ninja: (Entering|no work)' || true
"$AXV_BUILD/bench/bench/axv-bench"
