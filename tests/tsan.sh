#!/usr/bin/env bash
# ThreadSanitizer over the code that runs on more than one thread (issue 15): the data plane's packet loop
# (core/tunnel: its own std::thread, fed and reconfigured from Qt's thread) and the UPnP worker
# (core/connectivity: miniupnpc on a thread of its own). Builds build-tsan with -DPVC_TSAN=ON and runs the
# tests that drive those threads with real sockets: tst_dataplane (two data planes exchanging packets while
# peers come and go), tst_conntracktable and tst_upnpmapper (the worker thread against a scripted router).
# Any data race fails the run.
#
# pvcd as a whole is not run under TSan: Debian's Qt is not built with it, so its own locking (futex-based
# QMutex, posted events, the D-Bus and glib threads) shows up as races in every Qt-threaded path
# (docs/status.md). tests/tsan.supp names the few such reports these tests meet, by their Qt function.
#   tests/tsan.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build-tsan
"$src/tests/build.sh" "$build" --target pvc-tsan-tests -- -DPVC_TSAN=ON -DPVC_BUILD_GUI=OFF
# halt_on_error: the first race ends the process with a report, so ctest sees a failure.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$src/tests/tsan.supp ${TSAN_OPTIONS:-}"
ctest --test-dir "$build" --output-on-failure -R '^(tst_dataplane|tst_conntracktable|tst_upnpmapper)$'
