#!/usr/bin/env bash
# The demo grid. Installs the Debian packages, builds, then runs the grid in network namespaces
# (brokers, a master, volunteers at home behind a NAT, real TUN devices, virtual DNS and policy).
# That needs root: as a normal user it asks sudo, and without sudo it falls back to the
# control-plane demo on loopback.
# Usage: tests/demo/run-demo.sh [--keep]   (--keep leaves the grid running until Enter)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
"$src/installer/install-deps.sh"
"$src/tests/build.sh" "$src/build"
bin="$src/build/bin"
if [ "$(id -u)" -eq 0 ]; then
  exec "$src/tests/demo/run-lab-demo.sh" "$bin" "$@"
elif command -v sudo >/dev/null && sudo -v; then
  exec sudo "$src/tests/demo/run-lab-demo.sh" "$bin" "$@"
fi
echo "demo: no root, so no namespaces or TUN devices: showing the control plane on loopback"
exec "$src/tests/demo/run-loopback-demo.sh" "$bin" "$@"
