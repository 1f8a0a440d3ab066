#!/bin/bash
# Data-plane benchmark: pvc against the bare underlay, Nebula and wireguard-go, all measured in the
# same run, between the same two lab hosts over the same veth links (docs/benchmarks.md).
#
#   sudo tests/bench/bench_dataplane.sh [BIN_DIR]     (default: $PVC_BIN_DIR, else build/bin)
#
# BIN_DIR holds pvc, pvcd, pvc-admin, pvc-broker, pvc-helper and pvc-bench-tcprr. Settings:
#   BENCH_SECONDS=10  length of one iperf3 run      BENCH_RUNS=3  iperf3 runs per overlay (median)
#   BENCH_MTU=1380    tunnel MTU for all three overlays (pvc's default)
#   BENCH_KEEP=1      keep the work directory (logs, configs) instead of deleting it
# Needs root. Installs iperf3, nebula, wireguard-go and wireguard-tools if missing. Exits non-zero
# only if something could not be set up, never because a result is slow.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-${PVC_BIN_DIR:-$src/build/bin}}
LAB=$src/tests/lab/lab.sh
SECS=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
MTU=${BENCH_MTU:-1380}
P=pvcb$$ # lab prefix: namespaces $P-broker, $P-master, $P-alice, $P-bob
A=198.18.0.10
B=198.18.0.11
BROKER=198.18.0.2
RRPORT=7777
WGA=wgpvcA # wireguard-go's UAPI sockets in /var/run/wireguard are shared by all namespaces
WGB=wgpvcB
SCRIPT_START=$SECONDS

say() { printf '[bench %3ds] %s\n' $((SECONDS - SCRIPT_START)) "$*"; }
die() {
    say "SETUP FAILED: $*" >&2
    exit 1
}

[[ $(id -u) == 0 ]] || die "needs root (network namespaces, TUN devices)"
for tool in pvc pvcd pvc-admin pvc-broker pvc-helper pvc-bench-tcprr; do
    [[ -x $BIN/$tool ]] || die "$BIN/$tool is missing: build first (tests/build.sh)"
done
missing=()
for pair in iperf3:iperf3 nebula:nebula nebula-cert:nebula wireguard-go:wireguard-go wg:wireguard-tools \
    setpriv:util-linux; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
    # --no-install-recommends: wireguard-tools would otherwise pull in a kernel image.
    say "installing ${missing[*]} (apt-get install --no-install-recommends)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
fi
for sock in /var/run/wireguard/$WGA.sock /var/run/wireguard/$WGB.sock; do
    [[ ! -e $sock ]] || die "$sock exists: another wireguard-go named like ours is running"
done

W=$(mktemp -d /tmp/pvc-bench.XXXXXX)
chmod 755 "$W"
PIDS=()
cleanup() {
    local rc=$?
    set +e
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 0.3
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    "$LAB" down "$P" >/dev/null 2>&1
    rm -f "/var/run/wireguard/$WGA.sock" "/var/run/wireguard/$WGB.sock"
    if [[ ${BENCH_KEEP:-0} == 1 || $rc != 0 ]]; then say "work directory kept: $W"; else rm -rf "$W"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns() { echo "$P-$1"; }
inns() { # inns NODE CMD...: run in the node's namespace
    local node=$1
    shift
    ip netns exec "$(ns "$node")" "$@"
}
asnobody() { # asnobody NODE CMD...: the same, as nobody
    local node=$1
    shift
    ip netns exec "$(ns "$node")" setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
        env HOME="$W/$node/home" XDG_RUNTIME_DIR="$W/$node/xdg" "$@"
}
spawn() { # spawn LOGNAME CMD...: background, logged, killed on exit; sets SPAWNED
    local log=$W/$1.log
    shift
    "$@" >>"$log" 2>&1 &
    SPAWNED=$!
    PIDS+=("$SPAWNED")
}
stop_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
wait_until() { # wait_until SECONDS WHAT CMD...
    local limit=$1 what=$2 deadline=$((SECONDS + $1))
    shift 2
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "$what did not happen within ${limit}s (logs in $W)"
        sleep 0.1
    done
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---- Measurements: the same three, from alice to bob, for every overlay. ----
declare -A TPUT RTT RR FIRST

measure() { # measure LABEL BOB_ADDRESS
    local label=$1 target=$2 runs=() i out
    inns alice ping -c 3 -i 0.2 -W 2 "$target" >/dev/null || die "$label: alice cannot ping $target"
    RTT[$label]=$(inns alice ping -c 50 -i 0.05 -W 2 "$target" | sed -n 's/.* time=\([0-9.]*\) ms/\1/p' | median)
    say "$label: ping median RTT ${RTT[$label]} ms (50 pings, 50 ms apart)"
    local rr=()
    for i in 1 2 3; do
        out=$(inns alice "$BIN/pvc-bench-tcprr" rr "$target" $RRPORT 200 1) || die "$label: TCP_RR failed"
        rr+=("$(sed -n 's/.*median_us=\([0-9]*\).*/\1/p' <<<"$out")")
    done
    RR[$label]=$(printf '%s\n' "${rr[@]}" | median)
    say "$label: TCP_RR medians ${rr[*]} us -> ${RR[$label]} us (3 x 200 round trips of 1 byte)"
    for ((i = 1; i <= RUNS; ++i)); do
        out=$(inns alice iperf3 -c "$target" -t "$SECS" -O 1 -J 2>&1) || die "$label: iperf3 failed: $(tail -3 <<<"$out")"
        # end.sum_received.bits_per_second: what the receiver got, without the omitted first second.
        local bps retr
        bps=$(awk '/"sum_received"/ { s = 1 } s && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); print $2; exit }' <<<"$out")
        retr=$(awk '/"sum_sent"/ { s = 1 } s && /"retransmits"/ { gsub(/[^0-9]/, "", $2); print $2; exit }' <<<"$out")
        runs+=("$(awk -v b="$bps" 'BEGIN { printf "%.0f", b / 1e6 }')")
        say "$label: iperf3 run $i: ${runs[-1]} Mbit/s (retransmits ${retr:-?})"
    done
    TPUT[$label]=$(printf '%s\n' "${runs[@]}" | median)
}

first_contact() { # first_contact LABEL BOB_ADDRESS PID_FILE_VAR: backgrounds the probe, sets FIRST_PID
    local label=$1 target=$2
    inns alice "$BIN/pvc-bench-tcprr" first "$target" $RRPORT 60000 50 >"$W/first-$label.out" 2>&1 &
    FIRST_PID=$!
}
first_result() { # first_result LABEL: waits for the probe started by first_contact
    local label=$1
    wait "$FIRST_PID" || true
    FIRST[$label]=$(sed -n 's/^first ms=\([0-9.]*\).*/\1/p' "$W/first-$label.out")
    [[ -n ${FIRST[$label]} ]] || FIRST[$label]=timeout
    say "$label: first connection after ${FIRST[$label]} ms ($(cat "$W/first-$label.out"))"
}

# ---- Machine facts and the lab. ----
say "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
say "versions: pvc $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?'), nebula $(nebula -version 2>&1 | awk '{ print $2 }'), wireguard-go $(wireguard-go --version 2>&1 | awk '{ print $2 }'), $(iperf3 --version | head -1 | awk '{ print $1, $2 }')"
say "settings: iperf3 ${RUNS} x ${SECS}s (+1s omitted), MTU $MTU on every tunnel; work dir $W"
"$LAB" up "$src/tests/lab/topologies/public-pair.topo" "$P" >"$W/lab.log" 2>&1 || die "lab.sh up failed: $(cat "$W/lab.log")"
say "lab $P up: broker $BROKER, master 198.18.0.3, alice $A, bob $B (public-pair.topo)"
spawn iperf3-server inns bob iperf3 -s
spawn tcprr-server inns bob "$BIN/pvc-bench-tcprr" serve $RRPORT
wait_until 5 "iperf3 server on bob" inns bob sh -c "ss -ltn | grep -q ':5201 '"
wait_until 5 "TCP_RR server on bob" inns bob sh -c "ss -ltn | grep -q ':$RRPORT '"

say "== underlay: $A -> $B"
measure underlay $B

# ---- pvc: broker, master, two members; alice joins first and gets 240.9.0.2, bob 240.9.0.3. ----
say "== pvc: setting up broker, master and two members"
M=$W/master
inns master "$BIN/pvc-admin" init --dir "$M" --name bench --broker $BROKER:7400 --network 240.9.0.0/16 \
    --domain pvc >"$W/admin.log" 2>&1 || die "pvc-admin init: $(cat "$W/admin.log")"
echo '{"format":"pvc-policy-1","rules":[{"from":"any","to":"any","proto":"any","ports":"any"}]}' >"$W/policy.json"
inns master "$BIN/pvc-admin" policy set --dir "$M" "$W/policy.json" >>"$W/admin.log" 2>&1 ||
    die "pvc-admin policy set: $(cat "$W/admin.log")"
TOKEN=$(inns master "$BIN/pvc-admin" invite --dir "$M" --uses 2 2>>"$W/admin.log" | tail -1)
[[ -n $TOKEN ]] || die "pvc-admin invite printed no token"
mkdir -p "$W/broker-state"
spawn broker inns broker "$BIN/pvc-broker" --listen $BROKER:7400 --state "$W/broker-state"
wait_until 10 "the broker listening" inns broker sh -c "ss -ltn | grep -q '$BROKER:7400 '"
spawn master inns master "$BIN/pvc-admin" serve --dir "$M"
MASTER_PID=$SPAWNED

declare -A PVCD HELPER
member_dirs() {
    local node=$1
    mkdir -p "$W/$node/run" "$W/$node/state" "$W/$node/home" "$W/$node/xdg"
    chmod 755 "$W/$node" "$W/$node/run" # the helper's socket sits in a directory only root writes to
    chmod 700 "$W/$node/state" "$W/$node/home" "$W/$node/xdg"
    chown nobody:nogroup "$W/$node/state" "$W/$node/home" "$W/$node/xdg"
    cp "$M/project.json" "$W/$node/project.json"
    chmod 644 "$W/$node/project.json"
}
start_helper() {
    local node=$1
    spawn "helper-$node" inns "$node" "$BIN/pvc-helper" --socket "$W/$node/run/helper.sock" --allow-user nobody
    HELPER[$node]=$SPAWNED
    wait_until 5 "pvc-helper on $node" test -S "$W/$node/run/helper.sock"
}
start_pvcd() {
    local node=$1
    spawn "pvcd-$node" asnobody "$node" "$BIN/pvcd" --project "$W/$node/project.json" --state "$W/$node/state" \
        --control "$W/$node/xdg/control.sock" --helper "$W/$node/run/helper.sock" --mtu "$MTU"
    PVCD[$node]=$SPAWNED
}
pvccli() { # pvccli NODE ARGS...
    local node=$1
    shift
    asnobody "$node" "$BIN/pvc" --control "$W/$node/xdg/control.sock" "$@"
}
peer_direct() { # both directions: a direct path that has carried an authenticated datagram
    local json
    json=$(pvccli "$1" peers --json) || return 1
    tr -d ' \n' <<<"$json" | grep -q '"path":"direct"' && tr -d ' \n' <<<"$json" | grep -q '"tunnel_rtt_ms"'
}

for node in alice bob; do
    member_dirs $node
    start_helper $node
    start_pvcd $node
    wait_until 10 "pvcd's control socket on $node" test -S "$W/$node/xdg/control.sock"
done
T=$SECONDS
pvccli alice join --invite "$TOKEN" --name alice >"$W/join-alice.log" 2>&1 ||
    die "alice could not join: $(cat "$W/join-alice.log")"
wait_until 20 "pvc0 on alice" inns alice ip -4 addr show dev pvc0
say "pvc: alice joined ($((SECONDS - T))s); $(inns alice ip -4 -br addr show dev pvc0 | awk '{ print $1, $3 }')"

# First contact, case 1: from the start of bob's join (enrolment included) to the first TCP
# connection with data from alice to bob's virtual IP.
first_contact pvc-join 240.9.0.3
pvccli bob join --invite "$TOKEN" --name bob >"$W/join-bob.log" 2>&1 || die "bob could not join: $(cat "$W/join-bob.log")"
first_result pvc-join
wait_until 30 "a direct pvc tunnel alice -> bob" peer_direct alice
wait_until 10 "a direct pvc tunnel bob -> alice" peer_direct bob
say "pvc: direct both ways; alice's view: $(pvccli alice peers --json | tr -d ' \n' | head -c 400)"

say "== pvc: 240.9.0.2 -> 240.9.0.3 over pvc0"
measure pvc 240.9.0.3
pvccli alice peers --json >"$W/pvc-peers-alice.json" 2>&1 || true
pvccli alice status --json >"$W/pvc-status-alice.json" 2>&1 || true
say "pvc: alice after the runs: $(tr -d ' \n' <"$W/pvc-peers-alice.json" | grep -o '"packets_in":[0-9]*,"packets_out":[0-9]*' | head -1)"

# First contact, case 2: both already members, both pvcd fresh (as Nebula below): from the start
# of both daemons to the first TCP connection with data.
for node in alice bob; do stop_pid "${PVCD[$node]}"; done
sleep 0.5
first_contact pvc-restart 240.9.0.3
for node in alice bob; do start_pvcd $node; done
first_result pvc-restart
wait_until 30 "a direct pvc tunnel after the restart" peer_direct alice
for node in alice bob; do
    stop_pid "${PVCD[$node]}"
    stop_pid "${HELPER[$node]}"
done
stop_pid "$MASTER_PID"

# ---- Nebula: a CA, two host certificates, bob is the lighthouse, static host map. ----
say "== nebula: 240.20.0.1 -> 240.20.0.2"
N=$W/nebula
mkdir -p "$N"
(
    cd "$N"
    nebula-cert ca -name bench -duration 24h
    nebula-cert sign -name alice -ip 240.20.0.1/16
    nebula-cert sign -name bob -ip 240.20.0.2/16
) >"$W/nebula-cert.log" 2>&1 || die "nebula-cert: $(cat "$W/nebula-cert.log")"
nebula_config() { # nebula_config NAME TUN LIGHTHOUSE(true|false)
    local hosts='["240.20.0.2"]'
    [[ $3 == false ]] || hosts='[]'
    cat <<EOF
pki: { ca: $N/ca.crt, cert: $N/$1.crt, key: $N/$1.key }
static_host_map: { "240.20.0.1": ["$A:4242"], "240.20.0.2": ["$B:4242"] }
lighthouse: { am_lighthouse: $3, interval: 60, hosts: $hosts }
listen: { host: 0.0.0.0, port: 4242 }
punchy: { punch: false }
tun: { disabled: false, dev: $2, drop_local_broadcast: false, drop_multicast: false, tx_queue: 500, mtu: $MTU }
logging: { level: info, format: text }
firewall:
  conntrack: { tcp_timeout: 12m, udp_timeout: 3m, default_timeout: 10m }
  outbound: [ { port: any, proto: any, host: any } ]
  inbound: [ { port: any, proto: any, host: any } ]
EOF
}
nebula_config alice nebA false >"$N/alice.yml"
nebula_config bob nebB true >"$N/bob.yml"
# First contact: both processes fresh, from their start to the first TCP connection with data.
first_contact nebula 240.20.0.2
spawn nebula-bob inns bob nebula -config "$N/bob.yml"
NEB_B=$SPAWNED
spawn nebula-alice inns alice nebula -config "$N/alice.yml"
NEB_A=$SPAWNED
first_result nebula
measure nebula 240.20.0.2
stop_pid $NEB_A
stop_pid $NEB_B

# ---- wireguard-go: one key pair per side, static endpoints. ----
say "== wireguard-go: 240.21.0.1 -> 240.21.0.2"
G=$W/wg
mkdir -p "$G"
umask 077
for side in a b; do
    wg genkey >"$G/$side.key"
    wg pubkey <"$G/$side.key" >"$G/$side.pub"
done
umask 022
wg_up() { # wg_up NODE IFACE KEY PEER_PUB PEER_ENDPOINT ADDRESS PEER_ADDRESS
    local node=$1 dev=$2
    # The Debian build refuses to run on kernels with WireGuard unless told; this one has none anyway.
    spawn "wg-$node" inns "$node" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 wireguard-go -f "$dev"
    PIDS_WG+=("$SPAWNED")
    wait_until 5 "wireguard-go $dev" test -S "/var/run/wireguard/$dev.sock"
    inns "$node" wg set "$dev" private-key "$3" listen-port 51820 peer "$(cat "$4")" endpoint "$5:51820" \
        allowed-ips "$7/32" || die "wg set $dev failed"
    inns "$node" ip addr add "$6/16" dev "$dev"
    inns "$node" ip link set "$dev" mtu "$MTU" up
}
PIDS_WG=()
first_contact wireguard-go 240.21.0.2
wg_up alice $WGA "$G/a.key" "$G/b.pub" $B 240.21.0.1 240.21.0.2
wg_up bob $WGB "$G/b.key" "$G/a.pub" $A 240.21.0.2 240.21.0.1
first_result wireguard-go
measure wireguard-go 240.21.0.2
for pid in "${PIDS_WG[@]}"; do stop_pid "$pid"; done

# ---- The table. ----
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "== pvc data-plane benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r); MTU $MTU; iperf3 ${RUNS}x${SECS}s"
printf '%-14s %14s %14s %14s %22s\n' "path" "TCP Mbit/s" "ping RTT ms" "TCP_RR us" "first connection ms"
for label in underlay pvc nebula wireguard-go; do
    case $label in
    pvc) first="${FIRST[pvc-restart]} (join: ${FIRST[pvc-join]})" ;;
    underlay) first=- ;;
    *) first=${FIRST[$label]} ;;
    esac
    printf '%-14s %14s %14s %14s %22s\n' "$label" "${TPUT[$label]}" "${RTT[$label]}" "${RR[$label]}" "$first"
done
echo
echo "ratios (throughput: higher is better for pvc; latency: lower is better for pvc)"
printf '%-20s %12s %12s %12s %14s\n' "" "throughput" "ping RTT" "TCP_RR" "first conn."
printf '%-20s %12s %12s %12s %14s\n' "pvc / nebula" "$(ratio "${TPUT[pvc]}" "${TPUT[nebula]}")" \
    "$(ratio "${RTT[pvc]}" "${RTT[nebula]}")" "$(ratio "${RR[pvc]}" "${RR[nebula]}")" \
    "$(ratio "${FIRST[pvc-restart]}" "${FIRST[nebula]}")"
printf '%-20s %12s %12s %12s %14s\n' "pvc / wireguard-go" "$(ratio "${TPUT[pvc]}" "${TPUT[wireguard-go]}")" \
    "$(ratio "${RTT[pvc]}" "${RTT[wireguard-go]}")" "$(ratio "${RR[pvc]}" "${RR[wireguard-go]}")" \
    "$(ratio "${FIRST[pvc-restart]}" "${FIRST[wireguard-go]}")"
printf '%-20s %12s %12s %12s %14s\n' "pvc / underlay" "$(ratio "${TPUT[pvc]}" "${TPUT[underlay]}")" \
    "$(ratio "${RTT[pvc]}" "${RTT[underlay]}")" "$(ratio "${RR[pvc]}" "${RR[underlay]}")" "-"
echo
echo "latency added to the underlay (overlay minus underlay)"
for label in pvc nebula wireguard-go; do
    printf '%-14s ping %+8.0f us   TCP_RR %+8.0f us\n' "$label" \
        "$(awk -v a="${RTT[$label]}" -v b="${RTT[underlay]}" 'BEGIN { print (a - b) * 1000 }')" \
        "$(awk -v a="${RR[$label]}" -v b="${RR[underlay]}" 'BEGIN { print a - b }')"
done
echo
echo "target (the issue): pvc throughput >= 1.5 x nebula and >= wireguard-go; latency overhead no worse than either"
awk -v p="${TPUT[pvc]}" -v n="${TPUT[nebula]}" -v w="${TPUT[wireguard-go]}" \
    -v rp="${RR[pvc]}" -v rn="${RR[nebula]}" -v rw="${RR[wireguard-go]}" \
    -v tp="${RTT[pvc]}" -v tn="${RTT[nebula]}" -v tw="${RTT[wireguard-go]}" 'BEGIN {
    printf "  throughput >= 1.5 x nebula:      %s\n", (p >= 1.5 * n ? "met" : "NOT met")
    printf "  throughput >= wireguard-go:      %s\n", (p >= w ? "met" : "NOT met")
    printf "  TCP_RR no worse than either:     %s\n", (rp <= rn && rp <= rw ? "met" : "NOT met")
    printf "  ping RTT no worse than either:   %s\n", (tp <= tn && tp <= tw ? "met" : "NOT met")
}'
say "done in $((SECONDS - SCRIPT_START))s"
