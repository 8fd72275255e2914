#!/bin/sh
# Install libaxv into a scratch root, then build and run a tiny program outside the source
# tree against the installed headers and library, found through pkg-config.
# usage: check-install.sh BUILD_DIR CONSUMER_SOURCE_DIR "CC [ARGS...]"
set -eu
build=$1
src=$2
cc=$3
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >/dev/null
pc=$(find "$dest" -name axv.pc | head -n 1)
[ -n "$pc" ] || { echo "axv.pc was not installed"; exit 1; }
echo "installed: $(find "$dest" -name '*.a' | sed "s|$dest||" | tr '\n' ' ')"
export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$dest"
cflags=$(pkg-config --cflags axv)
libs=$(pkg-config --libs --static axv)
echo "pkg-config: $cflags $libs"
cp "$src/consumer.c" "$dest/consumer.c"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror $cflags "$dest/consumer.c" -o "$dest/consumer" $libs
"$dest/consumer"
