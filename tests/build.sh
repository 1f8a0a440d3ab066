#!/usr/bin/env bash
# Configures and builds pvc into a build directory:
#   tests/build.sh [BUILD_DIR] [--target T] [-- extra cmake args...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
shift || true
target=()
if [ "${1:-}" = "--target" ]; then
  target=(--target "$2")
  shift 2
fi
[ "${1:-}" = "--" ] && shift
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
echo "build: compiling in $build (this takes a few minutes on 2 cores)"
# Progress every tenth step; the second call prints any error in full.
cmake --build "$build" -j "$(nproc)" "${target[@]}" | grep -E '^\[[0-9]+/[0-9]+\]' | awk 'NR % 10 == 0 { print "  " $1 }' || true
cmake --build "$build" -j "$(nproc)" "${target[@]}"
