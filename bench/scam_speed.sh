#!/bin/sh
# scam_speed.sh — what the scam shield's lookup costs one group message (bench/scam_lookup.c),
# Release build, one core, with 512 and 5000 flagged bank accounts.
#
#   bench/scam_speed.sh [MESSAGES]
#
# Environment: BUILD_DIR (default build/text-release, configured with -DCMAKE_BUILD_TYPE=Release
# -DTIPGATE_TESTS=OFF and built if needed), CORE (default 0).
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-20000}
BUILD_DIR=${BUILD_DIR:-$REPO/build/text-release}
CORE=${CORE:-0}

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DTIPGATE_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j2 --target tipgate_core >/dev/null
DEPS="libcurl jansson sqlite3 libwebsockets libpcre2-8"
# shellcheck disable=SC2046
gcc -O2 -std=c17 -D_GNU_SOURCE -DTIPGATE_SOURCE_DIR="\"$REPO\"" -I"$REPO" \
    "$REPO/bench/scam_lookup.c" "$BUILD_DIR/libtipgate_core.a" \
    $(pkg-config --cflags --libs $DEPS) -lpthread -lm -o "$BUILD_DIR/scam_lookup"

for accounts in 512 5000; do
    dir=$(mktemp -d)
    taskset -c "$CORE" "$BUILD_DIR/scam_lookup" "$dir" "$accounts" "$N"
    rm -rf "$dir"
done
