#!/usr/bin/env bash
# The control-plane demo on loopback, without root: a master, two brokers and three volunteers.
# The volunteers join with an invite, authenticate each other through the brokers, one broker is
# killed and the members stay authenticated, and one member is revoked. There is no TUN device
# here (that needs pvc-helper and root: see run-lab-demo.sh).
# Called by run-demo.sh; usage: run-loopback-demo.sh BIN_DIR [--keep]
set -euo pipefail
bin=$1
shift
work=$(mktemp -d /tmp/pvc-demo.XXXXXX)
export XDG_RUNTIME_DIR="$work/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "demo: stopped everything it started; logs were in $work"
}
trap cleanup EXIT

# Two free loopback ports for the brokers (TCP and UDP on the same number).
port() {
  while :; do
    p=$((20000 + RANDOM % 30000))
    ss -Htuln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}
p1=$(port); p2=$(port)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "The project admin makes the master CA and the project bundle"
"$bin/pvc-admin" init --dir "$work/master" --name "Demo Grid" --broker "127.0.0.1:$p1" --broker "127.0.0.1:$p2" \
  --network 240.7.0.0/16 --domain demo.pvc

step "Two brokers and the online master start"
"$bin/pvc-broker" --listen "127.0.0.1:$p1" --state "$work/broker1" >"$work/broker1.log" 2>&1 & pids+=($!); b1=$!
"$bin/pvc-broker" --listen "127.0.0.1:$p2" --state "$work/broker2" >"$work/broker2.log" 2>&1 & pids+=($!)
"$bin/pvc-admin" serve --dir "$work/master" >"$work/master.log" 2>&1 & pids+=($!)
invite=$("$bin/pvc-admin" invite --dir "$work/master" --uses 3 --ttl 1h)
echo "invite token: $invite"

step "Three volunteers start pvcd and click Join (pvc join)"
for name in alice bob carol; do
  "$bin/pvcd" --project "$work/master/project.json" --state "$work/$name" --control "$work/$name.sock" --no-upnp --no-worker \
    >"$work/$name.log" 2>&1 & pids+=($!)
done
sleep 1
for name in alice bob carol; do
  "$bin/pvc" --control "$work/$name.sock" join --invite "$invite" --name "$name"
done

step "A fourth join with the same, now used-up, token is refused"
"$bin/pvcd" --project "$work/master/project.json" --state "$work/mallory" --control "$work/mallory.sock" --no-upnp --no-worker \
  >"$work/mallory.log" 2>&1 & pids+=($!)
sleep 0.5
"$bin/pvc" --control "$work/mallory.sock" join --invite "$invite" --name mallory || true

wait_authenticated() {
  for _ in $(seq 1 40); do
    n=$("$bin/pvc" --control "$work/$1.sock" peers --json | grep -c '"status": "authenticated"' || true)
    [ "$n" -ge "$2" ] && return 0
    sleep 0.25
  done
}
wait_authenticated alice 2
step "alice's view: the others, authenticated by mutual TLS 1.3 relayed through a broker"
"$bin/pvc" --control "$work/alice.sock" status
"$bin/pvc" --control "$work/alice.sock" peers
"$bin/pvc" --control "$work/alice.sock" ping bob

step "Broker 1 dies: the members stay authenticated through broker 2"
kill "$b1"
sleep 3
"$bin/pvc" --control "$work/alice.sock" peers

step "The master revokes carol"
"$bin/pvc-admin" revoke --dir "$work/master" carol
sleep 2
"$bin/pvc" --control "$work/alice.sock" peers
"$bin/pvc" --control "$work/carol.sock" status

step "The master's list of hosts"
"$bin/pvc-admin" hosts --dir "$work/master"

if [ "${1:-}" = "--keep" ]; then
  echo; echo "The grid keeps running (control sockets in $work). Press Enter to stop it."
  read -r _
fi
