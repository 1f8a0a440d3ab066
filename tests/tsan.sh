#!/usr/bin/env bash
# ThreadSanitizer over the code that runs on more than one thread (issue 15): the data plane's packet loop
# (core/tunnel, its own std::thread beside Qt's event loop) and the UPnP worker (core/connectivity). Builds
# build-tsan with -DPVC_TSAN=ON, then runs their unit tests and, as root, the lab's traffic test with TSan
# builds of pvcd (and the broker, the master and the helper). Any data race fails the run.
#   tests/tsan.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build-tsan
"$src/tests/build.sh" "$build" --target pvc-tsan-tests -- -DPVC_TSAN=ON -DPVC_BUILD_GUI=OFF
# halt_on_error: the first race ends the process with a report, so ctest sees a failure.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
tests='^(tst_dataplane|tst_upnpmapper|tst_conntracktable)$'
if [ "$(id -u)" -eq 0 ]; then
  tests='^(tst_dataplane|tst_upnpmapper|tst_conntracktable|tst_traffic)$'
else
  echo "tsan: not root: the lab's traffic test is left out"
fi
ctest --test-dir "$build" --output-on-failure -R "$tests"
