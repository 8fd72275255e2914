#!/usr/bin/env bash
# Line and branch coverage of lib/ and of the host-testable port code (ports/*/ files the
# host tests build: page-table formats, exit decoders, the vGIC), from the unit, threaded and
# fuzz-corpus replay tests of a gcc --coverage build, reported by gcovr.
#
#   scripts/coverage.sh            print the figures; fail if lib/ is below 95% of lines
#   AXV_COV_MIN=90 scripts/coverage.sh   another line threshold for lib/
set -uo pipefail
source "$(dirname "$0")/common.sh"
cd "$AXV_ROOT"
ensure_packages $AXV_PKGS_BASE $AXV_PKGS_UNIT gcovr

min=${AXV_COV_MIN:-95}
dir="$AXV_BUILD/coverage"
# Meson 1.0 drops a changed c_args on --reconfigure: start from a clean directory.
rm -rf "$dir"
configure "$dir" -Dtests=enabled -Ddocs=disabled -Dexamples=disabled -Db_coverage=true \
	-Dc_args=-fprofile-update=atomic || exit 1
ninja -C "$dir" -j "$AXV_JOBS" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|^ninja: (Entering|no work)'
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
find "$dir" -name '*.gcda' -delete
meson test -C "$dir" --num-processes 1 --suite unit --suite threaded --suite replay \
	>"$dir.test.log" 2>&1 || { tail -20 "$dir.test.log"; echo "tests failed"; exit 1; }

report() { # report TITLE FILTER...: per-file lines, then branches, then the totals
	local title=$1
	shift
	local f=() p
	for p in "$@"; do f+=(--filter "$AXV_ROOT/$p"); done
	say "$title: lines"
	gcovr -r "$AXV_ROOT" "${f[@]}" --exclude-unreachable-branches "$dir" | sed -n '/^File/,$p'
	say "$title: branches"
	gcovr -r "$AXV_ROOT" "${f[@]}" --exclude-unreachable-branches -b "$dir" | sed -n '/^File/,$p'
}
report "lib/" 'lib/'
# Port files that only run on their hardware (entry.S, el2.c, vcpu.c) are not built for the
# host and do not appear.
report "host-testable port code" 'ports/'

say "summary"
gcovr -r "$AXV_ROOT" --filter "$AXV_ROOT/lib/" --exclude-unreachable-branches -s "$dir" \
	--fail-under-line "$min" | grep -E '^(lines|branches|functions):' | sed 's/^/lib\/   /'
rc=${PIPESTATUS[0]}
gcovr -r "$AXV_ROOT" --filter "$AXV_ROOT/ports/" --exclude-unreachable-branches -s "$dir" |
	grep -E '^(lines|branches|functions):' | sed 's/^/ports\/ /'
if [ "$rc" -ne 0 ]; then
	echo "lib/ line coverage is below ${min}%"
	exit 1
fi
echo "lib/ line coverage is at least ${min}%"
