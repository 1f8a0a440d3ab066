#!/usr/bin/env bash
# The demo's data by BitTorrent (docs/data.md): the master publishes a generated 100 MB dataset with
# pvc-admin publish, its upload capped at 4 MiB/s; the volunteers fetch it with pvc fetch over the
# overlay and serve each other; every copy is checked, and the demo prints who gave how much.
# Called by run-lab-demo.sh: demo-data.sh BIN_DIR PREFIX WORK_DIR VOLUNTEER...
set -euo pipefail
bin=$1 prefix=$2 work=$3
shift 3
volunteers=("$@")
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
as_nobody() {
  local node=$1; shift
  ip netns exec "$prefix-$node" setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
    env XDG_RUNTIME_DIR="$work/$node/run" "$@"
}
pvc() { local node=$1; shift; as_nobody "$node" "$bin/pvc" --control "$work/$node/run/control.sock" "$@"; }
json_number() { sed -n "s/.*\"$1\": \\([0-9]*\\).*/\\1/p" | head -1; }

step "The master publishes a 100 MB dataset by BitTorrent (its uplink capped at 4 MiB/s)"
data="$work/dataset"
mkdir -p "$data" && chown nobody:nogroup "$data"
head -c 100000000 /dev/urandom >"$data/dataset.bin"
chmod 644 "$data/dataset.bin"
pvc master set upload 4096 >/dev/null
ref=$(as_nobody master "$bin/pvc-admin" publish --control "$work/master/run/control.sock" "$data/dataset.bin" | tail -1)
echo "reference: $ref"

step "The volunteers fetch it over the overlay, from the master and from each other"
start=$(date +%s%N)
fetchers=()
for node in "${volunteers[@]}"; do
  mkdir -p "$work/$node/fetched" && chown nobody:nogroup "$work/$node/fetched"
  pvc "$node" fetch "$ref" "$work/$node/fetched" >"$work/$node-fetch.log" 2>&1 & fetchers+=($!)
done
failed=0
for pid in "${fetchers[@]}"; do wait "$pid" || failed=$((failed + 1)); done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
want=$(sha256sum <"$data/dataset.bin" | cut -d' ' -f1)
total=0
for node in "${volunteers[@]}"; do
  got=$(sha256sum <"$work/$node/fetched/dataset.bin" 2>/dev/null | cut -d' ' -f1 || true)
  down=$(pvc "$node" status --json | tr -d '\n' | grep -o "\"downloaded_bytes\": [0-9]*" | head -1 | grep -o '[0-9]*$')
  up=$(pvc "$node" status --json | tr -d '\n' | grep -o "\"uploaded_bytes\": [0-9]*" | head -1 | grep -o '[0-9]*$')
  total=$((total + ${down:-0}))
  printf '  %-6s %s  downloaded %3d MB, gave %3d MB to the others\n' "$node" \
    "$([ "$got" = "$want" ] && echo "intact" || echo "WRONG ")" $((${down:-0} / 1000000)) $((${up:-0} / 1000000))
done
master_up=$(pvc master status --json | tr -d '\n' | grep -o "\"uploaded_bytes\": [0-9]*" | tail -1 | grep -o '[0-9]*$')
printf 'in %d.%d s: the volunteers downloaded %d MB in all, %d MB of it from the master\n' $((ms / 1000)) $((ms % 1000 / 100)) \
  $((total / 1000000)) $((${master_up:-0} / 1000000))
pvc master set upload 0 >/dev/null
[ "$failed" -eq 0 ]
