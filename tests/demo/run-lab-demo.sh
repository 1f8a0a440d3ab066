#!/usr/bin/env bash
# The demo grid in network namespaces (needs root): a broker and the master on the lab's public
# network, bob on a public address, alice behind a home NAT. Each machine runs a real pvc-helper
# (root) and pvcd (as nobody). The volunteers join, get pvc0 with a virtual IP, and reach the master
# by name; the global policy lets volunteers reach only the master's TCP 9123 (and ping).
# Called by run-demo.sh; usage: run-lab-demo.sh BIN_DIR [--keep]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=$1
keep=${2:-}
lab="$src/tests/lab/lab.sh"
prefix="pvcdemo$$"
work=$(mktemp -d /tmp/pvc-demo.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$lab" down "$prefix" >/dev/null 2>&1 || true
  rm -rf "/etc/netns/$prefix-alice" "/etc/netns/$prefix-bob" "/etc/netns/$prefix-master"
  rmdir /etc/netns 2>/dev/null || true
  echo "demo: stopped everything it started and removed its namespaces; logs were in $work"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_ns() { local node=$1; shift; ip netns exec "$prefix-$node" "$@"; }
as_nobody() { local node=$1; shift; ip netns exec "$prefix-$node" setpriv --reuid=nobody --regid=nogroup --clear-groups -- env XDG_RUNTIME_DIR="$work/$node/run" "$@"; }
pvc() { local node=$1; shift; as_nobody "$node" "$bin/pvc" --control "$work/$node/run/control.sock" "$@"; }

step "Building the lab: internet 198.18.0.0/16, alice at home (198.19.2.0/24) behind a cone NAT"
"$lab" up "$src/tests/demo/demo.topo" "$prefix" >/dev/null

step "The project admin makes the master CA and the project bundle, and sets the global policy"
"$bin/pvc-admin" init --dir "$work/admin" --name "Demo Grid" --broker 198.18.0.2:7400 --network 240.7.0.0/16 --domain pvc
"$bin/pvc-admin" policy set --dir "$work/admin" "$src/tests/demo/demo-policy.json"
# The bundle is what an installer ships: readable by everyone (the admin directory itself is 0700).
install -m 644 "$work/admin/project.json" "$work/project.json"

step "The broker and the online master start"
in_ns broker "$bin/pvc-broker" --listen 198.18.0.2:7400 --state "$work/broker" >"$work/broker.log" 2>&1 & pids+=($!)
in_ns master "$bin/pvc-admin" serve --dir "$work/admin" >"$work/serve.log" 2>&1 & pids+=($!)

start_host() {
  local node=$1
  mkdir -p "$work/$node/run" "$work/$node/state"
  chown -R nobody:nogroup "$work/$node"
  chmod 700 "$work/$node/run"
  in_ns "$node" "$bin/pvc-helper" --socket "$work/$node/helper.sock" --allow-user nobody >"$work/$node-helper.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 50); do [ -S "$work/$node/helper.sock" ] && break; sleep 0.1; done
  as_nobody "$node" "$bin/pvcd" --project "$work/project.json" --state "$work/$node/state" \
    --control "$work/$node/run/control.sock" --helper "$work/$node/helper.sock" >"$work/$node.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 50); do [ -S "$work/$node/run/control.sock" ] && break; sleep 0.1; done
  # Programs in this namespace resolve NAME.pvc through the host's pvcd.
  mkdir -p "/etc/netns/$prefix-$node"
}

step "Every machine starts pvc-helper (root) and pvcd (as nobody); the master joins as a member too"
for node in master alice bob; do start_host "$node"; done
"$bin/pvc-admin" invite --dir "$work/admin" --group master >"$work/master-invite"
pvc master join --invite "$(cat "$work/master-invite")" --name master
invite=$("$bin/pvc-admin" invite --dir "$work/admin" --uses 2 --ttl 1h)
echo "volunteer invite: $invite"

step "alice (behind the NAT) and bob click Join"
pvc alice join --invite "$invite" --name alice
pvc bob join --invite "$invite" --name bob
declare -A vip
for node in master alice bob; do
  vip[$node]=$(pvc "$node" status --json | sed -n 's/.*"virtual_ip": "\(240[^"]*\)".*/\1/p')
  printf 'nameserver %s\nsearch pvc\n' "${vip[$node]}" >"/etc/netns/$prefix-$node/resolv.conf"
done

step "The master offers a service on its virtual IP, TCP 9123"
in_ns master socat -T 5 TCP-LISTEN:9123,bind=${vip[master]},fork,reuseaddr SYSTEM:'echo "hello from the master, you are $SOCAT_PEERADDR"' >/dev/null 2>&1 & pids+=($!)

for _ in $(seq 1 60); do
  n=$(pvc alice peers --json | grep -c '"status": "authenticated"' || true)
  [ "$n" -ge 2 ] && break
  sleep 0.5
done
sleep 2
step "alice's view of the grid"
pvc alice status
pvc alice peers

step "alice reaches the master by name (DNS from pvcd, traffic through the encrypted tunnel)"
in_ns alice ip -brief addr show pvc0
in_ns alice ping -c 3 -W 2 master.pvc
in_ns alice socat -T 5 - TCP:master.pvc:9123 </dev/null

step "The policy holds: bob may not open a connection to alice"
in_ns alice socat -T 5 TCP-LISTEN:9123,bind=${vip[alice]},reuseaddr - >/dev/null 2>&1 & pids+=($!)
if in_ns bob timeout 5 socat -T 3 - TCP:alice.pvc:9123,connect-timeout=3 </dev/null 2>/dev/null; then
  echo "unexpected: bob reached alice"
else
  echo "bob -> alice:9123 refused by alice's pvcd (global policy: volunteers reach only the master)"
fi

step "The master's list of hosts"
"$bin/pvc-admin" hosts --dir "$work/admin"

if [ "$keep" = "--keep" ]; then
  echo; echo "The grid keeps running (try: ip netns exec $prefix-alice ping master.pvc). Press Enter to stop it."
  read -r _
fi
