#!/usr/bin/env bash
# The demo grid in network namespaces (needs root): two brokers and the master on the lab's public
# network, bob on a public address, and alice, carol, dave and erin at home behind a cone NAT, a
# symmetric NAT, a UPnP router (real miniupnpd) and a NAT that drops UDP. Each machine runs a real
# pvc-helper (root) and pvcd (as nobody). The volunteers join, get pvc0 with a virtual IP, find their
# way to each other (the demo prints how each pair connected), and reach the master by name; the
# global policy lets volunteers reach only the master's TCP 9123 (and ping, and each other's BitTorrent port). Then the master runs a
# real Work Queue manager on that port and a batch of gzip tasks runs on the volunteers' sandboxed
# workers; the demo shows who ran what, and bob's owner pausing him mid-batch. Then the master publishes
# a dataset by BitTorrent and the volunteers fetch it, serving each other. Last, BLAST: pvc-batch certifies
# blastp tasks by voting and spot-checks, catches erin (a saboteur by a test build's switch) and shows credit.
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
volunteers=(alice bob carol dave erin)
hosts=(master "${volunteers[@]}")
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # The pvcd the BLAST step restarted (demo-blast.sh) wrote its PID here.
  if [ -f "$work/erin-saboteur.pid" ]; then kill "$(cat "$work/erin-saboteur.pid")" 2>/dev/null || true; fi
  "$lab" down "$prefix" >/dev/null 2>&1 || true
  for node in "${hosts[@]}"; do rm -rf "/etc/netns/$prefix-$node"; done
  rmdir /etc/netns 2>/dev/null || true
  echo "demo: stopped everything it started and removed its namespaces; logs were in $work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_ns() { local node=$1; shift; ip netns exec "$prefix-$node" "$@"; }
as_nobody() { local node=$1; shift; ip netns exec "$prefix-$node" setpriv --reuid=nobody --regid=nogroup --clear-groups -- env XDG_RUNTIME_DIR="$work/$node/run" "$@"; }
pvc() { local node=$1; shift; as_nobody "$node" "$bin/pvc" --control "$work/$node/run/control.sock" "$@"; }

step "Building the lab: internet 198.18.0.0/16; homes 198.19.2-5.0/24 behind a cone NAT (alice), a symmetric NAT (carol), a UPnP router (dave) and a NAT that drops UDP (erin)"
"$lab" up "$src/tests/demo/demo.topo" "$prefix" >/dev/null

step "The project admin makes the master CA and the project bundle, and sets the global policy"
# The bundle pins each broker's TLS certificate: its fingerprint, as `pvc-broker --fingerprint` prints it.
fp1=$("$bin/pvc-broker" --state "$work/broker1" --fingerprint)
fp2=$("$bin/pvc-broker" --state "$work/broker2" --fingerprint)
"$bin/pvc-admin" init --dir "$work/admin" --name "Demo Grid" --broker "198.18.0.2:7400=$fp1" --broker "198.18.0.4:7400=$fp2" --network 240.7.0.0/16 --domain pvc
"$bin/pvc-admin" policy set --dir "$work/admin" "$src/tests/demo/demo-policy.json"
# The bundle is what an installer ships: readable by everyone (the admin directory itself is 0700).
install -m 644 "$work/admin/project.json" "$work/project.json"

step "The two brokers and the online master start; dave's router starts miniupnpd"
in_ns broker1 "$bin/pvc-broker" --listen 198.18.0.2:7400 --state "$work/broker1" >"$work/broker1.log" 2>&1 & pids+=($!)
in_ns broker2 "$bin/pvc-broker" --listen 198.18.0.4:7400 --state "$work/broker2" >"$work/broker2.log" 2>&1 & pids+=($!)
in_ns master "$bin/pvc-admin" serve --dir "$work/admin" >"$work/serve.log" 2>&1 & pids+=($!)
for _ in $(seq 1 50); do in_ns broker1 ss -H -uln 'sport = :7400' | grep -q . && break; sleep 0.1; done
# miniupnpd learns the router's public address by STUN from broker1 (docs/lab.md).
# (Its whole output to a file first: `| head -n 1` could end it with SIGPIPE, and pipefail the demo.)
"$lab" upnpd "$prefix" rdave 198.18.0.2 7400 >"$work/miniupnpd.out"
head -n 1 "$work/miniupnpd.out" >"$work/miniupnpd.pid"

start_host() {
  local node=$1
  mkdir -p "$work/$node/run" "$work/$node/state"
  chown -R nobody:nogroup "$work/$node"
  chmod 700 "$work/$node/run"
  # The helper's socket sits in a directory only root writes to; it refuses any other (docs/helper.md).
  install -d -m 755 "$work/helpers"
  in_ns "$node" "$bin/pvc-helper" --socket "$work/helpers/$node.sock" --allow-user nobody >"$work/$node-helper.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 50); do [ -S "$work/helpers/$node.sock" ] && break; sleep 0.1; done
  # The master computes nothing itself; volunteers run a Work Queue worker (docs/grid.md).
  local worker=()
  [ "$node" = master ] && worker=(--no-worker)
  as_nobody "$node" "$bin/pvcd" --project "$work/project.json" --state "$work/$node/state" \
    --control "$work/$node/run/control.sock" --helper "$work/helpers/$node.sock" "${worker[@]}" >"$work/$node.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 50); do [ -S "$work/$node/run/control.sock" ] && break; sleep 0.1; done
  if [ "$node" != master ]; then
    # The owner lends the machine even while in use, but holds the grid until the batch step.
    pvc "$node" set idle-minutes 0 >/dev/null
    pvc "$node" pause 60 >/dev/null
  fi
  # Programs in this namespace resolve NAME.pvc through the host's pvcd.
  mkdir -p "/etc/netns/$prefix-$node"
}

step "Every machine starts pvc-helper (root) and pvcd (as nobody); the master joins as a member too"
for node in "${hosts[@]}"; do start_host "$node"; done
"$bin/pvc-admin" invite --dir "$work/admin" --group master >"$work/master-invite"
pvc master join --invite "$(cat "$work/master-invite")" --name master
invite=$("$bin/pvc-admin" invite --dir "$work/admin" --uses ${#volunteers[@]} --ttl 1h)
echo "volunteer invite: $invite"

step "The volunteers click Join"
for node in "${volunteers[@]}"; do pvc "$node" join --invite "$invite" --name "$node"; done
declare -A vip
for node in "${hosts[@]}"; do
  vip[$node]=$(pvc "$node" status --json | sed -n 's/.*"virtual_ip": "\(240[^"]*\)".*/\1/p')
  printf 'nameserver %s\nsearch pvc\n' "${vip[$node]}" >"/etc/netns/$prefix-$node/resolv.conf"
done

step "The master offers a service on its virtual IP, TCP 9123"
# (ip netns exec, not in_ns: $! must be socat's own PID, for the batch step stops it to free the port.)
ip netns exec "$prefix-master" socat -T 5 TCP-LISTEN:9123,bind=${vip[master]},fork,reuseaddr SYSTEM:'echo "hello from the master, you are $SOCAT_PEERADDR"' >/dev/null 2>&1 & pids+=($!)
hello=$!

step "Every volunteer authenticates every other member, then punches its way to them"
for node in "${volunteers[@]}"; do
  for _ in $(seq 1 60); do
    n=$(pvc "$node" peers --json | grep -c '"status": "authenticated"' || true)
    [ "$n" -ge "${#volunteers[@]}" ] && break
    sleep 0.5
  done
done
# A ping per pair (the policy allows ICMP between members); tunnels punch on their own meanwhile.
pings=()
for a in "${volunteers[@]}"; do
  for b in "${volunteers[@]}"; do
    if [[ $a < $b ]]; then in_ns "$a" ping -c 1 -W 3 "${vip[$b]}" >/dev/null 2>&1 & pings+=($!); fi
  done
done
wait_for_paths() {
  for _ in $(seq 1 40); do
    if ! for node in "${volunteers[@]}"; do pvc "$node" peers; done | grep -q 'probing'; then
      sleep 4 && return 0
    fi
    sleep 0.5
  done
}
wait_for_paths
wait "${pings[@]}" || true

step "How each pair connected (path/technique as the row's volunteer sees the column's)"
kind_of() {
  case $1 in
  alice) echo "cone NAT" ;; bob) echo "public" ;; carol) echo "symmetric NAT" ;;
  dave) echo "UPnP router" ;; erin) echo "drops UDP" ;;
  esac
}
printf '%-24s' ""
for b in "${volunteers[@]}"; do printf '%-18s' "$b"; done
echo
for a in "${volunteers[@]}"; do
  printf '%-24s' "$a ($(kind_of "$a"))"
  table=$(pvc "$a" peers)
  for b in "${volunteers[@]}"; do
    if [ "$a" = "$b" ]; then printf '%-18s' "-"; continue; fi
    printf '%-18s' "$(awk -v n="$b" '$1 == n { print $4 }' <<<"$table")"
  done
  echo
done
echo "(direct/public: one side is reachable; direct/udp-punch: both punched at once, or birthday probing"
echo " for carol's symmetric NAT; direct/upnp: through dave's router mapping; direct/tcp-punch: erin's network"
echo " drops UDP, so TCP hole punching; relay/tcp: through a broker inside the end-to-end encrypted peer session,"
echo " since carol's NAT gives every TCP connection a random port too)"
echo
echo "dave's pvcd, on its network and the mapping it asked for:"
pvc dave status | grep -E '^(Network|UPnP):' || true
echo "dave's router mapping, as miniupnpd lists it:"
in_ns rdave nft list chain inet pvclab prerouting_miniupnpd 2>/dev/null | grep -E 'dnat|udp' || true
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

"$src/tests/demo/demo-batch.sh" "$bin" "$prefix" "$work" "$hello" "${volunteers[@]}"
"$src/tests/demo/demo-data.sh" "$bin" "$prefix" "$work" "${volunteers[@]}"
"$src/tests/demo/demo-blast.sh" "$bin" "$prefix" "$work" "${volunteers[@]}"

if [ "$keep" = "--keep" ]; then
  echo; echo "The grid keeps running (try: ip netns exec $prefix-alice ping master.pvc). Press Enter to stop it."
  read -r _
fi
