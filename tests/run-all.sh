#!/usr/bin/env bash
# Every test: installs the Debian packages, builds, checks formatting, runs all ctest labels
# (unit, integration, lab, gui) and then the unit tests again under ASan and UBSan.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
"$src/installer/install-deps.sh"
"$src/tests/build.sh" "$src/build"
cmake --build "$src/build" --target format-check
echo "tests: running all tests (not bench)"
ctest --test-dir "$src/build" --output-on-failure --label-exclude bench -j 2 | tee "$src/build/ctest-all.log"
"$src/tests/check-lab-ran.sh" "$src/build"
echo "tests: building with -fsanitize=address,undefined and running the unit tests under it"
"$src/tests/build.sh" "$src/build-asan" --target pvc-unit-tests -- -DPVC_SANITIZE=ON -DPVC_BUILD_GUI=OFF
ctest --test-dir "$src/build-asan" --output-on-failure -L unit -j 2
echo "tests: the daemons that read hostile input (pvcd, pvc-broker, pvc-admin serve, pvc-helper) under ASan and UBSan"
"$src/tests/build.sh" "$src/build-asan" --target pvc-hostile-input-tests -- -DPVC_SANITIZE=ON -DPVC_BUILD_GUI=OFF
ctest --test-dir "$src/build-asan" --output-on-failure -L hostile -j 2
