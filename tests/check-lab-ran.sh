#!/usr/bin/env bash
# After the full ctest run (tests/run-all.sh): a lab test that skips shows as skipped, never as passed, but a
# run where the lab label did not really run must not look green either. As root (CI), no lab test may skip
# for want of root, and at least one must have passed; without root, say plainly that the lab did not run.
set -euo pipefail
build=${1:?usage: check-lab-ran.sh BUILD_DIR}
# The full run's output, skip reasons included, before `ctest -N` below replaces LastTest.log.
details=$(mktemp)
trap 'rm -f "$details"' EXIT
cp "$build/Testing/Temporary/LastTest.log" "$details"
lab=$(ctest --test-dir "$build" -N -L lab | sed -n 's/^ *Test *#[0-9]*: *//p')
total=$(printf '%s\n' "$lab" | grep -c . || true)
passed=0
skipped=()
for test in $lab; do
    line=$(grep -E "Test +#[0-9]+: $test \.+" "$build/ctest-all.log" | tail -1 || true)
    case "$line" in
    *"Passed"*) passed=$((passed + 1)) ;;
    *"Skipped"*) skipped+=("$test") ;;
    esac
done
echo "tests: lab label: $passed of $total passed, ${#skipped[@]} skipped${skipped:+ (${skipped[*]})}"
if [ "$(id -u)" -ne 0 ]; then
    echo "tests: not root, so the lab tests (namespaces, NAT, the helper) did NOT run; run as root to run them"
    exit 0
fi
if [ "$total" -gt 0 ] && [ "$passed" -eq 0 ]; then
    echo "tests: FAILED: running as root, yet no lab test passed" >&2
    exit 1
fi
if grep -E "SKIP +: .*needs root" "$details" >/dev/null 2>&1; then
    echo "tests: FAILED: running as root, yet a lab test skipped for want of root:" >&2
    grep -E "SKIP +: .*needs root" "$details" >&2
    exit 1
fi
