#!/usr/bin/env bash
# Coverage-guided fuzzing of every fuzz target with libFuzzer (issue 15; docs/benchmarks.md, "Fuzzing").
#
#   tests/bench/bench_fuzz.sh [TARGET...]      e.g. tests/bench/bench_fuzz.sh frame stun
#
# Builds the targets with clang, libFuzzer, ASan and UBSan in build-fuzz/ (the code under test is
# instrumented too), then runs each one until PVC_FUZZ_RUNS executions (default 10,000,000) or
# PVC_FUZZ_SECONDS (default 1800), whichever comes first. Each run starts from the seeds in
# tests/fuzz/seeds/TARGET and keeps what it finds in build-fuzz/tests/fuzz/corpus/TARGET, so a second run
# goes on from there. Crashes, leaks and timeouts are written to build-fuzz/fuzz-runs/TARGET-crash-*.
#
# Prints one line per target as it ends and, at the end, a Markdown table of every target run so far
# (also in build-fuzz/fuzz-runs/report.md): executions, executions per second, edges covered, features,
# corpus entries, and crashes. Two runs with different targets may go on at once (one per core). Exits 1 if any target crashed. PVC_FUZZ_NICE (default 10) is the runs' niceness.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${PVC_FUZZ_BUILD:-$src/build-fuzz}
runs=${PVC_FUZZ_RUNS:-10000000}
seconds=${PVC_FUZZ_SECONDS:-1800}
niceness=${PVC_FUZZ_NICE:-10}

if [ $# -gt 0 ]; then
  targets=("$@")
else
  # The list CMake builds, so that a new target is fuzzed without editing this script.
  mapfile -t targets < <(sed -n -e 's/^set(PVC_FUZZ_TARGETS \(.*\))$/\1/p' \
    -e 's/^list(APPEND PVC_FUZZ_TARGETS \(.*\))$/\1/p' "$src/tests/fuzz/CMakeLists.txt" | tr ' ' '\n' | grep -v '^$')
fi
# clang and its libFuzzer runtime, from Debian (installer/fuzz-packages.txt), beside the build's own packages.
"$src/installer/install-deps.sh"
"$src/installer/install-deps.sh" "$src/installer/fuzz-packages.txt"

echo "bench_fuzz: building ${#targets[@]} targets with libFuzzer in $build"
CC=clang CXX=clang++ cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPVC_FUZZ_LIBFUZZER=ON -DPVC_BUILD_GUI=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

out=$build/fuzz-runs
mkdir -p "$out"
failed=0
for target in "${targets[@]}"; do
  corpus=$build/tests/fuzz/corpus/$target
  mkdir -p "$corpus"
  log=$out/$target.log
  rm -f "$out/$target"-crash-* "$out/$target"-leak-* "$out/$target"-timeout-*
  start=$(date +%s)
  echo "bench_fuzz: $target: up to $runs executions or $seconds s (log: $log)"
  status=0
  nice -n "$niceness" "$build/tests/fuzz/fuzz_$target" -runs="$runs" -max_total_time="$seconds" \
    -timeout=25 -print_final_stats=1 -artifact_prefix="$out/$target-" \
    "$corpus" "$src/tests/fuzz/seeds/$target" >"$log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - start))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  entries=$(find "$corpus" -type f | wc -l)
  crashes=$(find "$out" -maxdepth 1 -name "$target-*" -type f | wc -l)
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes="exit $status"
  fi
  [ "$status" -ne 0 ] && failed=1
  echo "| $target | ${executions:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | $entries | $crashes | $elapsed |" >"$out/$target.row"
  echo "bench_fuzz: $target: ${executions:-?} executions in $elapsed s, cov ${cov:-?}, ft ${ft:-?}, crashes $crashes"
done
# The table of every target's latest run (other runs of this script may have added theirs).
report=$out/report.md
{
  echo "| target | executions | exec/s | edges (cov) | features (ft) | corpus | crashes | seconds |"
  echo "|---|---|---|---|---|---|---|---|"
  cat "$out"/*.row
} >"$report"
echo
cat "$report"
exit "$failed"
