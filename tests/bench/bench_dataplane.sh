#!/bin/bash
# Data-plane benchmark: pvc against the bare underlay, Nebula and wireguard-go, all measured in the
# same run, between the same two lab hosts over the same veth links (docs/benchmarks.md).
#
#   sudo tests/bench/bench_dataplane.sh [BIN_DIR]     (default: $PVC_BIN_DIR, else build/bin)
#
# BIN_DIR holds pvc, pvcd, pvc-admin, pvc-broker, pvc-helper and pvc-bench-tcprr. Settings:
#   BENCH_SECONDS=10  length of one iperf3 run      BENCH_RUNS=3  rounds, each measuring every path once
#   BENCH_MTU=1380    tunnel MTU for all three overlays (pvc's default)
#   BENCH_NEBULA_BUFFER=N  Nebula's listen.read_buffer and write_buffer in bytes (default: Nebula's own,
#                     the system default; pvc asks for 4 MiB)
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
    if [[ -n ${DIAG:-} ]]; then "$DIAG" >&2 || true; fi
    exit 1
}

[[ $(id -u) == 0 ]] || die "needs root (network namespaces, TUN devices)"
for tool in pvc pvcd pvc-admin pvc-broker pvc-helper pvc-bench-tcprr; do
    [[ -x $BIN/$tool ]] || die "$BIN/$tool is missing: build first (tests/build.sh)"
done
missing=()
for pair in iperf3:iperf3 nebula:nebula nebula-cert:nebula wireguard-go:wireguard-go wg:wireguard-tools \
    setpriv:util-linux ss:iproute2 ping:iputils-ping; do
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
    "$LAB" down "$P" >/dev/null 2>&1 # also whatever still runs in our namespaces
    if [[ ${BENCH_KEEP:-0} == 1 || $rc != 0 ]]; then say "work directory kept: $W"; else rm -rf "$W"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns() { echo "$P-$1"; }
inns() { # inns NODE CMD...: run CMD in the node's namespace
    local node=$1
    shift
    ip netns exec "$(ns "$node")" "$@"
}
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
nobody_env() { echo env HOME="$W/$1/home" XDG_RUNTIME_DIR="$W/$1/xdg"; }
spawn() { # spawn LOGNAME NODE CMD...: CMD in NODE's namespace, in the background; sets SPAWNED
    local log=$W/$1.log node=$2
    shift 2
    # ip netns exec, setpriv and env all exec: $! is the program's own PID.
    ip netns exec "$(ns "$node")" "$@" >>"$log" 2>&1 &
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
        sleep 0.05
    done
}
listening() { inns "$1" ss -Hltn "sport = :$2" | grep -q .; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu_ticks() { # user + system time of the given processes, all threads, in clock ticks
    local pid total=0
    for pid in "$@"; do
        # Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the command name.
        total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
    done
    echo $total
}

# ---- Measurements, from alice to bob. Every path is set up first and then measured in rounds,
# each round taking every path in turn, so that other load on the machine hits all of them alike.
# Loss counters of one node: UDP receive- and send-buffer overflows, and packets its device dropped
# on the way to the daemon reading it (a TUN whose reader falls behind counts tx_dropped).
losses() { # losses NODE DEV
    # shellcheck disable=SC2016 # an awk program
    inns "$1" awk '/^Udp:/ && $2 ~ /^[0-9]/ { printf "%s %s ", $6, $7 }' /proc/net/snmp
    inns "$1" cat "/sys/class/net/$2/statistics/tx_dropped"
}
loss_add() { awk -v t="$1" -v a="$2" -v b="$3" 'BEGIN { split(t, s); split(a, x); split(b, y); if (t == "") s[1] = s[2] = s[3] = 0; printf "%d %d %d", s[1] + y[1] - x[1], s[2] + y[2] - x[2], s[3] + y[3] - x[3] }'; }
PATHS=()
declare -A TARGET DEVA DEVB DAEMONS_OF PINGS RRS TPUTS RETRS TICKS NS LOSSA LOSSB
declare -A TPUT RTT RR CPU FIRST
add_path() { # add_path LABEL BOB_ADDRESS ALICE_DEVICE BOB_DEVICE [DAEMON_PID...]
    local label=$1
    PATHS+=("$label")
    TARGET[$label]=$2 DEVA[$label]=$3 DEVB[$label]=$4
    shift 4
    DAEMONS_OF[$label]="$*"
    inns alice ping -c 3 -i 0.2 -W 2 "${TARGET[$label]}" >/dev/null || die "$label: alice cannot ping ${TARGET[$label]}"
}
measure_round() { # measure_round LABEL ROUND
    local label=$1 target=${TARGET[$1]} out bps retr rr lossA lossB ticks0 start_ns daemons
    read -ra daemons <<<"${DAEMONS_OF[$label]}"
    PINGS[$label]+=" $(inns alice ping -c 50 -i 0.05 -W 2 "$target" | sed -n 's/.* time=\([0-9.]*\) ms/\1/p' | tr '\n' ' ')"
    out=$(inns alice "$BIN/pvc-bench-tcprr" rr "$target" $RRPORT 200 1) || die "$label: TCP_RR failed"
    rr=$(sed -n 's/.*median_us=\([0-9]*\).*/\1/p' <<<"$out")
    RRS[$label]+=" $rr"
    lossA=$(losses alice "${DEVA[$label]}")
    lossB=$(losses bob "${DEVB[$label]}")
    ticks0=$(cpu_ticks "${daemons[@]}")
    start_ns=$(date +%s%N)
    out=$(inns alice iperf3 -c "$target" -t "$SECS" -O 1 -J 2>&1) || die "$label: iperf3 failed: $(tail -3 <<<"$out")"
    TICKS[$label]=$((${TICKS[$label]:-0} + $(cpu_ticks "${daemons[@]}") - ticks0))
    NS[$label]=$((${NS[$label]:-0} + $(date +%s%N) - start_ns))
    LOSSA[$label]=$(loss_add "${LOSSA[$label]:-}" "$lossA" "$(losses alice "${DEVA[$label]}")")
    LOSSB[$label]=$(loss_add "${LOSSB[$label]:-}" "$lossB" "$(losses bob "${DEVB[$label]}")")
    # end.sum_received.bits_per_second: what the receiver got, without the omitted first second.
    bps=$(awk '/"sum_received"/ { s = 1 } s && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); print $2; exit }' <<<"$out")
    retr=$(awk '/"sum_sent"/ { s = 1 } s && /"retransmits"/ { gsub(/[^0-9]/, "", $2); print $2; exit }' <<<"$out")
    TPUTS[$label]+=" $(awk -v b="$bps" 'BEGIN { printf "%.0f", b / 1e6 }')"
    RETRS[$label]+=" ${retr:-?}"
    say "round $2 $(printf '%-12s' "$label"): iperf3 $(awk '{ print $NF }' <<<"${TPUTS[$label]}") Mbit/s (retransmits ${retr:-?}), TCP_RR median $rr us, ping median $(tr ' ' '\n' <<<"${PINGS[$label]}" | tail -50 | grep . | median) ms"
}
summarize() { # summarize LABEL: medians over all rounds
    local label=$1
    RTT[$label]=$(tr ' ' '\n' <<<"${PINGS[$label]}" | grep . | median)
    RR[$label]=$(tr ' ' '\n' <<<"${RRS[$label]}" | grep . | median)
    TPUT[$label]=$(tr ' ' '\n' <<<"${TPUTS[$label]}" | grep . | median)
    if [[ -n ${DAEMONS_OF[$label]} ]]; then
        # Both ends' daemons together, in % of one CPU, over all iperf3 runs.
        CPU[$label]=$(awk -v t="${TICKS[$label]}" -v hz="$(getconf CLK_TCK)" -v ns="${NS[$label]}" \
            'BEGIN { printf "%.0f", 100 * t / hz / (ns / 1e9) }')
    else
        CPU[$label]=-
    fi
    read -r a1 a2 a3 <<<"${LOSSA[$label]}"
    read -r b1 _ b3 <<<"${LOSSB[$label]}"
    say "$(printf '%-12s' "$label"): iperf3 Mbit/s${TPUTS[$label]}, retransmits${RETRS[$label]}; TCP_RR us${RRS[$label]}; daemons ${CPU[$label]}% of one CPU; during iperf3: sender (alice) UDP rcvbuf/sndbuf overflows $a1/$a2, ${DEVA[$label]} tx_dropped $a3; receiver (bob) UDP rcvbuf overflows $b1, ${DEVB[$label]} tx_dropped $b3"
}

# Time to the first TCP connection (connect + 1 byte echoed) from alice to bob, from the moment
# the probe starts; it tries a fresh connection every 10 ms (pvc-bench-tcprr first).
first_start() { # first_start NAME BOB_ADDRESS
    inns alice "$BIN/pvc-bench-tcprr" first "$2" $RRPORT 30000 10 >"$W/first-$1.out" 2>&1 &
    FIRST_PID=$!
}
first_result() { # first_result NAME: waits for the probe (in this shell: it is our child); sets FIRST_MS
    wait "$FIRST_PID" || true
    FIRST_MS=$(sed -n 's/^first ms=\([0-9.]*\).*/\1/p' "$W/first-$1.out")
    FIRST_MS=${FIRST_MS:-timeout}
}
# Three times each, for the median: "cold" starts both daemons while the probe runs; "idle" probes
# after both have been up, with no traffic of ours, for a second. Leaves the daemons running.
first_series() { # first_series LABEL BOB_ADDRESS STOP_FN START_FN READY_FN
    local label=$1 target=$2 stop=$3 start=$4 ready=$5 k cold=() idle=()
    for k in 1 2 3; do
        $stop
        first_start "$label-cold-$k" "$target"
        $start
        first_result "$label-cold-$k"
        cold+=("$FIRST_MS")
        $stop
        $start
        $ready
        sleep 1
        first_start "$label-idle-$k" "$target"
        first_result "$label-idle-$k"
        idle+=("$FIRST_MS")
    done
    # A probe that timed out counts as its 30 s limit.
    FIRST[$label-cold]=$(printf '%s\n' "${cold[@]}" | sed 's/timeout/30000/' | median)
    FIRST[$label-idle]=$(printf '%s\n' "${idle[@]}" | sed 's/timeout/30000/' | median)
    say "$label: first connection, cold start ${cold[*]} ms, idle ${idle[*]} ms"
}

# ---- Machine facts and the lab. ----
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
say "machine: $(nproc) CPUs, $CPU_MODEL, kernel $(uname -r), net.core.rmem_max $(sysctl -n net.core.rmem_max) wmem_max $(sysctl -n net.core.wmem_max)"
say "versions: pvc $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?'), nebula $(nebula -version 2>&1 | awk '{ print $2 }'), wireguard-go $(wireguard-go --version 2>&1 | head -1 | awk '{ print $2 }'), $(iperf3 --version | head -1 | awk '{ print $1, $2 }')"
say "settings: iperf3 ${RUNS} x ${SECS}s (+1s omitted), MTU $MTU on every tunnel; work dir $W"
say "load average at start: $(cut -d" " -f1-3 /proc/loadavg) (other work on this machine skews every figure)"
"$LAB" up "$src/tests/lab/topologies/public-pair.topo" "$P" >"$W/lab.log" 2>&1 || die "lab.sh up failed: $(cat "$W/lab.log")"
say "lab $P up: broker $BROKER, master 198.18.0.3, alice $A, bob $B (public-pair.topo)"
spawn iperf3-server bob iperf3 -s
spawn tcprr-server bob "$BIN/pvc-bench-tcprr" serve $RRPORT
wait_until 5 "iperf3 server on bob" listening bob 5201
wait_until 5 "TCP_RR server on bob" listening bob $RRPORT

add_path underlay $B eth0 eth0

# ---- pvc: broker, master, two members; alice joins first and gets 240.9.0.2, bob 240.9.0.3. ----
say "== pvc: setting up broker, master and two members"
M=$W/master
inns master "$BIN/pvc-admin" init --dir "$M" --name bench --broker $BROKER:7400 --network 240.9.0.0/16 \
    --domain pvc >"$W/admin.log" 2>&1 || die "pvc-admin init: $(cat "$W/admin.log")"
# The default policy denies all inbound traffic.
echo '{"format":"pvc-policy-1","rules":[{"from":"any","to":"any","proto":"any","ports":"any"}]}' >"$W/policy.json"
inns master "$BIN/pvc-admin" policy set --dir "$M" "$W/policy.json" >>"$W/admin.log" 2>&1 ||
    die "pvc-admin policy set: $(cat "$W/admin.log")"
TOKEN=$(inns master "$BIN/pvc-admin" invite --dir "$M" --uses 2 2>>"$W/admin.log" | tail -1)
[[ -n $TOKEN ]] || die "pvc-admin invite printed no token"
mkdir -p "$W/broker-state"
spawn broker broker "$BIN/pvc-broker" --listen $BROKER:7400 --state "$W/broker-state"
wait_until 10 "the broker listening" listening broker 7400
spawn master master "$BIN/pvc-admin" serve --dir "$M"

declare -A PVCD
start_pvcd() {
    local node=$1
    # shellcheck disable=SC2046 # nobody_env is meant to split
    spawn "pvcd-$node" "$node" "${NOBODY[@]}" $(nobody_env "$node") "$BIN/pvcd" --project "$W/$node/project.json" \
        --state "$W/$node/state" --control "$W/$node/xdg/control.sock" --helper "$W/$node/run/helper.sock" --mtu "$MTU"
    PVCD[$node]=$SPAWNED
}
pvccli() { # pvccli NODE ARGS...
    local node=$1
    shift
    # shellcheck disable=SC2046
    inns "$node" "${NOBODY[@]}" $(nobody_env "$node") "$BIN/pvc" --control "$W/$node/xdg/control.sock" "$@"
}
peer_direct() { # the node's tunnel to the other is direct and has carried an authenticated datagram
    local json
    json=$(pvccli "$1" peers --json) || return 1
    json=${json//[[:space:]]/}
    [[ $json == *'"path":"direct"'* && $json =~ '"last_received_ms":'[0-9] ]]
}
pvc_diag() { # what to look at when the pvc tunnel does not come up
    local node
    for node in alice bob; do
        echo "--- $node: pvc status --json"
        pvccli "$node" status --json 2>&1 | head -c 3000
        echo "--- $node: pvc peers --json"
        pvccli "$node" peers --json 2>&1 | head -c 3000
        echo "--- $node: last lines of pvcd's log"
        tail -15 "$W/pvcd-$node.log"
    done
}
DIAG=pvc_diag

for node in alice bob; do
    mkdir -p "$W/$node/run" "$W/$node/state" "$W/$node/home" "$W/$node/xdg"
    chmod 755 "$W/$node" "$W/$node/run" # the helper's socket sits in a directory only root writes to
    chmod 700 "$W/$node/state" "$W/$node/home" "$W/$node/xdg"
    chown nobody:nogroup "$W/$node/state" "$W/$node/home" "$W/$node/xdg"
    install -m 644 "$M/project.json" "$W/$node/project.json"
    spawn "helper-$node" "$node" "$BIN/pvc-helper" --socket "$W/$node/run/helper.sock" --allow-user nobody
    wait_until 5 "pvc-helper on $node" test -S "$W/$node/run/helper.sock"
    start_pvcd $node
    wait_until 10 "pvcd's control socket on $node" test -S "$W/$node/xdg/control.sock"
done
pvccli alice join --invite "$TOKEN" --name alice >"$W/join-alice.log" 2>&1 ||
    die "alice could not join: $(cat "$W/join-alice.log")"
wait_until 20 "pvc0 on alice" inns alice ip link show dev pvc0
say "pvc: alice joined: $(inns alice ip -4 -br addr show dev pvc0 | awk '{ print $1, $3 }')"

# First connection, pvc only: from the start of bob's join (enrolment through the broker and the
# master included) to the first TCP connection from alice to bob's virtual IP.
first_start pvc-join 240.9.0.3
pvccli bob join --invite "$TOKEN" --name bob >"$W/join-bob.log" 2>&1 || die "bob could not join: $(cat "$W/join-bob.log")"
first_result pvc-join
FIRST[pvc-join]=$FIRST_MS
say "pvc: first connection ${FIRST[pvc-join]} ms after the start of bob's 'pvc join'"
wait_until 30 "a direct pvc tunnel alice -> bob" peer_direct alice
wait_until 10 "a direct pvc tunnel bob -> alice" peer_direct bob
say "pvc: direct both ways; alice sees bob at $(pvccli alice peers --json | tr -d ' \n' | grep -o '"endpoint":"[^"]*"' | head -1)"

# First connections with both already members. The helpers stay; each new pvcd gets a new pvc0
# from its helper. pvc sets tunnels up as soon as members authenticate each other, so "idle" is one
# connection over a ready tunnel.
pvc_stop() {
    for node in alice bob; do stop_pid "${PVCD[$node]}"; done
    wait_until 10 "pvc0 gone" eval "! inns alice ip link show dev pvc0 && ! inns bob ip link show dev pvc0"
}
pvc_start() { for node in alice bob; do start_pvcd $node; done; }
pvc_ready() {
    wait_until 30 "a direct pvc tunnel alice -> bob" peer_direct alice
    wait_until 10 "a direct pvc tunnel bob -> alice" peer_direct bob
}
first_series pvc 240.9.0.3 pvc_stop pvc_start pvc_ready

add_path pvc 240.9.0.3 pvc0 pvc0 "${PVCD[alice]}" "${PVCD[bob]}"

# ---- Nebula: a CA and two host certificates; static host map, no lighthouse, so that no tunnel
# exists before the first packet (a lighthouse client would handshake with it at start). ----
say "== nebula: 240.20.0.1 -> 240.20.0.2"
N=$W/nebula
NEBULA_BUFFERS=
if [[ -n ${BENCH_NEBULA_BUFFER:-} ]]; then
    NEBULA_BUFFERS=", read_buffer: $BENCH_NEBULA_BUFFER, write_buffer: $BENCH_NEBULA_BUFFER"
    say "nebula: socket buffers of $BENCH_NEBULA_BUFFER bytes (BENCH_NEBULA_BUFFER)"
fi
mkdir -p "$N"
(
    cd "$N"
    nebula-cert ca -name bench -duration 24h
    nebula-cert sign -name alice -ip 240.20.0.1/16
    nebula-cert sign -name bob -ip 240.20.0.2/16
) >"$W/nebula-cert.log" 2>&1 || die "nebula-cert: $(cat "$W/nebula-cert.log")"
for node in alice bob; do
    cat >"$N/$node.yml" <<EOF
pki: { ca: $N/ca.crt, cert: $N/$node.crt, key: $N/$node.key }
static_host_map: { "240.20.0.1": ["$A:4242"], "240.20.0.2": ["$B:4242"] }
lighthouse: { am_lighthouse: false, interval: 60, hosts: [] }
listen: { host: 0.0.0.0, port: 4242${NEBULA_BUFFERS} }
punchy: { punch: false }
tun: { disabled: false, dev: neb$node, drop_local_broadcast: false, drop_multicast: false, tx_queue: 500, mtu: $MTU }
logging: { level: info, format: text }
firewall:
  conntrack: { tcp_timeout: 12m, udp_timeout: 3m, default_timeout: 10m }
  outbound: [ { port: any, proto: any, host: any } ]
  inbound: [ { port: any, proto: any, host: any } ]
EOF
done
NEB_A='' NEB_B=''
nebula_start() {
    spawn nebula-bob bob nebula -config "$N/bob.yml"
    NEB_B=$SPAWNED
    spawn nebula-alice alice nebula -config "$N/alice.yml"
    NEB_A=$SPAWNED
}
nebula_stop() {
    stop_pid "$NEB_A"
    stop_pid "$NEB_B"
}
nebula_ready() { wait_until 10 "nebula's devices" eval "inns alice ip link show dev nebalice && inns bob ip link show dev nebbob"; }
first_series nebula 240.20.0.2 nebula_stop nebula_start nebula_ready
add_path nebula 240.20.0.2 nebalice nebbob "$NEB_A" "$NEB_B"

# ---- wireguard-go: a key pair per side, static endpoints. ----
say "== wireguard-go: 240.21.0.1 -> 240.21.0.2"
G=$W/wg
mkdir -m 700 "$G"
for side in alice bob; do
    (umask 077 && wg genkey >"$G/$side.key")
    wg pubkey <"$G/$side.key" >"$G/$side.pub"
done
declare -A WGDEV=([alice]=$WGA [bob]=$WGB) WGADDR=([alice]=240.21.0.1 [bob]=240.21.0.2) WGPEER=([alice]=bob [bob]=alice)
declare -A WGUNDER=([alice]=$A [bob]=$B) WGPID=([alice]='' [bob]='')
wg_start() { # bob (the responder) first, as for Nebula
    local node dev peer
    for node in bob alice; do
        dev=${WGDEV[$node]} peer=${WGPEER[$node]}
        # Debian's build refuses to run where the kernel has WireGuard unless told; this one has none.
        spawn "wg-$node" "$node" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 wireguard-go -f "$dev"
        WGPID[$node]=$SPAWNED
        wait_until 5 "wireguard-go $dev" test -S "/var/run/wireguard/$dev.sock"
        inns "$node" wg set "$dev" private-key "$G/$node.key" listen-port 51820 peer "$(cat "$G/$peer.pub")" \
            endpoint "${WGUNDER[$peer]}:51820" allowed-ips "${WGADDR[$peer]}/32" || die "wg set $dev failed"
        inns "$node" ip addr add "${WGADDR[$node]}/16" dev "$dev"
        inns "$node" ip link set "$dev" mtu "$MTU" up
    done
}
wg_stop() {
    stop_pid "${WGPID[alice]}"
    stop_pid "${WGPID[bob]}"
    wait_until 5 "wireguard-go's sockets gone" eval "[[ ! -e /var/run/wireguard/$WGA.sock && ! -e /var/run/wireguard/$WGB.sock ]]"
}
first_series wireguard-go 240.21.0.2 wg_stop wg_start true
add_path wireguard-go 240.21.0.2 $WGA $WGB "${WGPID[alice]}" "${WGPID[bob]}"

say "== $RUNS rounds; in each, every path in turn: 50 pings 50 ms apart, 200 TCP round trips of 1 byte, iperf3 ${SECS}s"
for ((round = 1; round <= RUNS; ++round)); do
    for label in "${PATHS[@]}"; do measure_round "$label" $round; done
done
say "== medians over the rounds"
for label in "${PATHS[@]}"; do summarize "$label"; done
pvccli alice peers --json >"$W/pvc-peers-alice.json" 2>&1 || true
pvccli alice status --json >"$W/pvc-status-alice.json" 2>&1 || true
say "pvc: alice's tunnel counters at the end: $(tr -d ' \n' <"$W/pvc-peers-alice.json" | grep -o '"packets_in":[0-9]*,"packets_out":[0-9]*' | head -1)"
DIAG=

# ---- The tables. ----
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
efficiency_ratio() { # throughput per % of daemon CPU, pvc against the anchor
    awk -v tp="${TPUT[pvc]}" -v cp="${CPU[pvc]}" -v ta="${TPUT[$1]}" -v ca="${CPU[$1]}" \
        'BEGIN { if (cp + 0 > 0 && ca + 0 > 0 && ta + 0 > 0) printf "%.2f", (tp / cp) / (ta / ca); else print "-" }'
}
row() { printf '%-20s %12s %12s %12s %12s %14s %14s\n' "$@"; }
echo
echo "== pvc data-plane benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), pvc $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) CPUs, $CPU_MODEL, kernel $(uname -r); MTU $MTU; iperf3 ${RUNS} x ${SECS}s, medians"
row path "TCP Mbit/s" "ping ms" "TCP_RR us" "daemon CPU%" "1st conn cold" "1st conn idle"
for label in underlay pvc nebula wireguard-go; do
    row "$label" "${TPUT[$label]}" "${RTT[$label]}" "${RR[$label]}" "${CPU[$label]}" "${FIRST[$label-cold]:--}" \
        "${FIRST[$label-idle]:--}"
done
echo "(1st conn: ms to the first TCP connect + echo; cold = both daemons started at once, idle = both up, no traffic yet;"
echo " pvc from the start of the second member's join: ${FIRST[pvc-join]} ms. daemon CPU%: both ends, % of one CPU, during iperf3)"
echo
echo "ratios (throughput and Mbit/s per daemon CPU: above 1 is better for pvc; latencies: below 1 is better for pvc)"
row "" throughput "ping RTT" TCP_RR "Mbit per CPU" "1st cold" "1st idle"
for anchor in nebula wireguard-go underlay; do
    row "pvc / $anchor" "$(ratio "${TPUT[pvc]}" "${TPUT[$anchor]}")" "$(ratio "${RTT[pvc]}" "${RTT[$anchor]}")" \
        "$(ratio "${RR[pvc]}" "${RR[$anchor]}")" "$(efficiency_ratio "$anchor")" "$(ratio "${FIRST[pvc-cold]:-}" "${FIRST[$anchor-cold]:-}")" \
        "$(ratio "${FIRST[pvc-idle]:-}" "${FIRST[$anchor-idle]:-}")"
done
echo
echo "latency added to the underlay (overlay minus underlay, medians)"
for label in pvc nebula wireguard-go; do
    printf '%-14s ping %+6.0f us   TCP_RR %+6.0f us\n' "$label" \
        "$(awk -v a="${RTT[$label]}" -v b="${RTT[underlay]}" 'BEGIN { print (a - b) * 1000 }')" \
        "$(awk -v a="${RR[$label]}" -v b="${RR[underlay]}" 'BEGIN { print a - b }')"
done
echo
echo "target (the issue): throughput >= 1.5 x nebula and >= wireguard-go; latency overhead no worse than either"
awk -v p="${TPUT[pvc]}" -v n="${TPUT[nebula]}" -v w="${TPUT[wireguard-go]}" \
    -v rp="${RR[pvc]}" -v rn="${RR[nebula]}" -v rw="${RR[wireguard-go]}" \
    -v tp="${RTT[pvc]}" -v tn="${RTT[nebula]}" -v tw="${RTT[wireguard-go]}" 'BEGIN {
    printf "  throughput >= 1.5 x nebula:    %s (%.3f x)\n", (p >= 1.5 * n ? "met" : "NOT met"), p / n
    printf "  throughput >= wireguard-go:    %s (%.3f x)\n", (p >= w ? "met" : "NOT met"), p / w
    printf "  TCP_RR no worse than either:   %s\n", (rp <= rn && rp <= rw ? "met" : "NOT met")
    printf "  ping RTT no worse than either: %s\n", (tp <= tn && tp <= tw ? "met" : "NOT met")
}'
say "load average at the end: $(cut -d" " -f1-3 /proc/loadavg)"
say "done in $((SECONDS - SCRIPT_START))s"
