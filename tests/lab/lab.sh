#!/bin/bash
# pvc network lab: builds topologies of network namespaces joined by veth links, with home
# routers that NAT or filter like real ones (nftables, one table per router). See docs/lab.md.
#
#   lab.sh up TOPOFILE PREFIX      build the topology; every namespace is named PREFIX-NODE
#   lab.sh down PREFIX             kill what runs in PREFIX-* namespaces and delete them (idempotent)
#   lab.sh sweep STEM              the same for every namespace whose name starts with STEM
#   lab.sh exec PREFIX NODE CMD... run CMD in namespace PREFIX-NODE
#   lab.sh rules KIND              print the nftables ruleset of a router kind (for docs/lab.md)
#   lab.sh upnpd PREFIX ROUTER STUN_HOST STUN_PORT
#                                  start miniupnpd on a `upnp` router; prints its PID, then its log file
#
# Address plan (docs/lab.md): public side 198.18.0.0/16 with the internet namespace at
# 198.18.0.1; home LAN N is 198.19.N.0/24 with its router at 198.19.N.1. Nothing else is
# accepted, so the lab can never touch a real network.
set -euo pipefail

readonly INET_ADDR=198.18.0.1
readonly TABLE=pvclab

die() {
    echo "lab.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------------------------------------
# Validation: every address must sit inside the lab's two ranges.

octet_ok() { [[ $1 =~ ^(0|[1-9][0-9]{0,2})$ ]] && (($1 <= 255)); }

check_name() {
    [[ $1 =~ ^[a-z][a-z0-9]{0,11}$ ]] || die "line $2: node name '$1' must match [a-z][a-z0-9]{0,11}"
    [[ $1 != inet ]] || die "line $2: 'inet' is reserved for the internet namespace"
}

check_public_addr() {
    local a=$1 line=$2
    [[ $a =~ ^198\.18\.([0-9]+)\.([0-9]+)$ ]] || die "line $line: '$a' is not in 198.18.0.0/16"
    local c=${BASH_REMATCH[1]} d=${BASH_REMATCH[2]}
    if ! octet_ok "$c" || ! octet_ok "$d"; then die "line $line: bad address '$a'"; fi
    [[ $a != "$INET_ADDR" && $a != 198.18.0.0 && $a != 198.18.255.255 ]] || die "line $line: '$a' is reserved"
}

check_lan() {
    octet_ok "$1" || die "line $2: LAN number '$1' must be 0..255"
}

check_home_addr() {
    local a=$1 n=$2 line=$3
    [[ $a =~ ^198\.19\.([0-9]+)\.([0-9]+)$ ]] || die "line $line: '$a' is not in 198.19.$n.0/24"
    local c=${BASH_REMATCH[1]} d=${BASH_REMATCH[2]}
    [[ $c == "$n" ]] || die "line $line: '$a' is not in 198.19.$n.0/24"
    octet_ok "$d" || die "line $line: bad address '$a'"
    ((d >= 2 && d <= 254)) || die "line $line: '$a' is reserved"
}

check_rate() {
    [[ -z $1 || $1 =~ ^[0-9]+(kbit|mbit|gbit)$ ]] || die "line $2: rate '$1' must look like 500kbit, 10mbit or 1gbit"
}

# ---------------------------------------------------------------------------------------------
# Namespace plumbing.

ns_of() { echo "$PREFIX-$1"; }

nsx() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

new_ns() {
    local ns=$1 forward=$2
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    nsx "$ns" sysctl -qw net.ipv4.ip_forward="$forward"
    # Unprivileged ICMP echo sockets, so `ping` works for processes dropped to nobody.
    nsx "$ns" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
    # Bridged frames must not go through netfilter: only routers filter, and only what they route.
    if [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
        nsx "$ns" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-arptables=0 \
            net.bridge.bridge-nf-call-ip6tables=0 2>/dev/null || true
    fi
}

new_bridge() {
    local ns=$1 br=$2
    ip -n "$ns" link add "$br" type bridge
    ip -n "$ns" link set "$br" up
}

# A veth pair created directly between two namespaces: the root namespace never sees it, so
# interface names only have to be unique inside each namespace.
link_to_bridge() {
    local ns=$1 ifname=$2 brns=$3 port=$4 br=$5
    ip -n "$ns" link add "$ifname" type veth peer name "$port" netns "$brns"
    ip -n "$brns" link set "$port" master "$br"
    ip -n "$brns" link set "$port" up
    ip -n "$ns" link set "$ifname" up
}

apply_rate() {
    local ns=$1 ifname=$2 rate=$3
    [[ -n $rate ]] || return 0
    ip netns exec "$ns" tc qdisc add dev "$ifname" root tbf rate "$rate" burst 32kbit latency 50ms
}

# ---------------------------------------------------------------------------------------------
# Router rulesets. One table per router; chains are named after their hook.

router_rules() {
    local kind=$1
    local masq
    case $kind in
    firewall) masq="" ;;
    cone | noudp | upnp) masq="masquerade" ;;
    symmetric) masq="masquerade random,fully-random" ;;
    *) die "unknown router kind '$kind'" ;;
    esac
    echo "table inet $TABLE {"
    echo '    chain input {'
    echo '        type filter hook input priority filter; policy accept;'
    echo '        # Unsolicited WAN input is dropped, as real routers do: a dropped packet leaves no'
    echo '        # conntrack entry that could make the NAT rewrite a later mapping.'
    echo '        iifname "wan0" ct state established,related accept'
    echo '        iifname "wan0" meta l4proto icmp accept'
    echo '        iifname "wan0" drop'
    echo '    }'
    echo
    echo '    chain forward {'
    echo '        type filter hook forward priority filter; policy drop;'
    echo '        ct state established,related accept'
    [[ $kind != noudp ]] || echo '        iifname "lan0" meta l4proto udp drop'
    [[ $kind != upnp ]] || echo '        jump miniupnpd'
    echo '        iifname "lan0" oifname "wan0" accept'
    echo '    }'
    if [[ -n $masq ]]; then
        echo
        if [[ $kind == upnp ]]; then
            echo '    chain prerouting {'
            echo '        type nat hook prerouting priority dstnat; policy accept;'
            echo '        jump prerouting_miniupnpd'
            echo '    }'
            echo
        fi
        echo '    chain postrouting {'
        echo '        type nat hook postrouting priority srcnat; policy accept;'
        [[ $kind != upnp ]] || echo '        jump postrouting_miniupnpd'
        echo "        oifname \"wan0\" $masq"
        echo '    }'
    fi
    if [[ $kind == upnp ]]; then
        # Empty chains for miniupnpd to fill with its port mappings. Configure it with
        # upnp_table_name=$TABLE and upnp_nat_table_name=$TABLE; the chain names are its defaults.
        echo
        echo '    chain miniupnpd {'
        echo '    }'
        echo
        echo '    chain prerouting_miniupnpd {'
        echo '    }'
        echo
        echo '    chain postrouting_miniupnpd {'
        echo '    }'
    fi
    echo '}'
}

# ---------------------------------------------------------------------------------------------
# up

declare -a PUBLICS=() ROUTERS=() HOMES=()
declare -A KIND=() WAN=() LANOF=() ADDR=() HOMELAN=() RATE=() ROUTER_OF_LAN=()
HAVE_INET=0

parse_topology() {
    local file=$1 lineno=0 line
    local -A seen=()
    while IFS= read -r line || [[ -n $line ]]; do
        lineno=$((lineno + 1))
        line=${line%%#*}
        read -r -a f <<<"$line" || true
        ((${#f[@]})) || continue
        local rate=""
        if [[ ${f[-1]} == rate=* ]]; then
            rate=${f[-1]#rate=}
            check_rate "$rate" "$lineno"
            unset 'f[-1]'
        fi
        case ${f[0]} in
        internet)
            ((${#f[@]} == 1)) || die "line $lineno: usage: internet"
            HAVE_INET=1
            ;;
        public)
            ((${#f[@]} == 3)) || die "line $lineno: usage: public NAME 198.18.X.Y [rate=R]"
            check_name "${f[1]}" "$lineno"
            check_public_addr "${f[2]}" "$lineno"
            [[ -z ${seen[${f[1]}]:-} ]] || die "line $lineno: duplicate node '${f[1]}'"
            seen[${f[1]}]=1
            PUBLICS+=("${f[1]}")
            ADDR[${f[1]}]=${f[2]}
            RATE[${f[1]}]=$rate
            ;;
        router)
            ((${#f[@]} == 5)) || die "line $lineno: usage: router NAME KIND 198.18.X.Y N [rate=R]"
            check_name "${f[1]}" "$lineno"
            [[ ${f[2]} =~ ^(firewall|cone|symmetric|upnp|noudp)$ ]] ||
                die "line $lineno: kind '${f[2]}' is not firewall, cone, symmetric, upnp or noudp"
            check_public_addr "${f[3]}" "$lineno"
            check_lan "${f[4]}" "$lineno"
            [[ -z ${seen[${f[1]}]:-} ]] || die "line $lineno: duplicate node '${f[1]}'"
            [[ -z ${ROUTER_OF_LAN[${f[4]}]:-} ]] || die "line $lineno: LAN ${f[4]} already has a router"
            seen[${f[1]}]=1
            ROUTERS+=("${f[1]}")
            KIND[${f[1]}]=${f[2]}
            WAN[${f[1]}]=${f[3]}
            ADDR[${f[1]}]=${f[3]}
            LANOF[${f[1]}]=${f[4]}
            ROUTER_OF_LAN[${f[4]}]=${f[1]}
            RATE[${f[1]}]=$rate
            ;;
        home)
            ((${#f[@]} == 4)) || die "line $lineno: usage: home NAME N 198.19.N.X [rate=R]"
            check_name "${f[1]}" "$lineno"
            check_lan "${f[2]}" "$lineno"
            check_home_addr "${f[3]}" "${f[2]}" "$lineno"
            [[ -z ${seen[${f[1]}]:-} ]] || die "line $lineno: duplicate node '${f[1]}'"
            seen[${f[1]}]=1
            HOMES+=("${f[1]}")
            HOMELAN[${f[1]}]=${f[2]}
            ADDR[${f[1]}]=${f[3]}
            RATE[${f[1]}]=$rate
            ;;
        *) die "line $lineno: unknown keyword '${f[0]}'" ;;
        esac
    done <"$file"
    ((HAVE_INET)) || die "$file: a topology needs an 'internet' line"
    local h a
    for h in "${HOMES[@]}"; do
        [[ -n ${ROUTER_OF_LAN[${HOMELAN[$h]}]:-} ]] || die "home '$h': no router for LAN ${HOMELAN[$h]}"
    done
    local -A used=()
    for h in "${!ADDR[@]}"; do
        a=${ADDR[$h]}
        [[ -z ${used[$a]:-} ]] || die "address $a is used by both '${used[$a]}' and '$h'"
        used[$a]=$h
    done
}

lab_up() {
    local file=$1
    [[ -r $file ]] || die "cannot read topology '$file'"
    parse_topology "$file"
    [[ -z $(list_namespaces "$PREFIX-") ]] || die "namespaces named $PREFIX-* already exist; run: $0 down $PREFIX"
    command -v nft >/dev/null || die "nft not found (Debian package nftables)"

    # From here on a failure must not leave half a lab behind.
    trap 'echo "lab.sh: up failed; tearing down $PREFIX" >&2; lab_down >/dev/null 2>&1 || true' EXIT

    local inet node ns r n
    inet=$(ns_of inet)
    new_ns "$inet" 1
    # The internet routes between public hosts and firewalled LANs on one segment; redirects
    # would only make hosts skip it, so keep paths explicit.
    nsx "$inet" sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
    new_bridge "$inet" br0
    ip -n "$inet" addr add "$INET_ADDR/16" dev br0

    for node in "${PUBLICS[@]}"; do
        ns=$(ns_of "$node")
        new_ns "$ns" 0
        link_to_bridge "$ns" eth0 "$inet" "p-$node" br0
        ip -n "$ns" addr add "${ADDR[$node]}/16" dev eth0
        ip -n "$ns" route add default via "$INET_ADDR"
        apply_rate "$ns" eth0 "${RATE[$node]}"
    done

    for r in "${ROUTERS[@]}"; do
        ns=$(ns_of "$r")
        n=${LANOF[$r]}
        new_ns "$ns" 1
        link_to_bridge "$ns" wan0 "$inet" "p-$r" br0
        ip -n "$ns" addr add "${WAN[$r]}/16" dev wan0
        ip -n "$ns" route add default via "$INET_ADDR"
        new_bridge "$ns" lan0
        ip -n "$ns" addr add "198.19.$n.1/24" dev lan0
        router_rules "${KIND[$r]}" | nsx "$ns" nft -f -
        apply_rate "$ns" wan0 "${RATE[$r]}"
        if [[ ${KIND[$r]} == firewall ]]; then
            # No NAT: the internet reaches this LAN through the router's WAN address.
            ip -n "$inet" route add "198.19.$n.0/24" via "${WAN[$r]}"
        fi
    done

    for node in "${HOMES[@]}"; do
        ns=$(ns_of "$node")
        n=${HOMELAN[$node]}
        r=${ROUTER_OF_LAN[$n]}
        new_ns "$ns" 0
        link_to_bridge "$ns" eth0 "$(ns_of "$r")" "h-$node" lan0
        ip -n "$ns" addr add "${ADDR[$node]}/24" dev eth0
        ip -n "$ns" route add default via "198.19.$n.1"
        apply_rate "$ns" eth0 "${RATE[$node]}"
    done
    trap - EXIT
}

# ---------------------------------------------------------------------------------------------
# down

list_namespaces() {
    local stem=$1 name
    ip netns list 2>/dev/null | while read -r name _; do
        [[ $name == "$stem"* ]] && echo "$name"
    done
    return 0
}

kill_namespace_pids() {
    local ns=$1 sig=$2 pid
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
        kill "-$sig" "$pid" 2>/dev/null || true
    done
}

remove_namespaces() {
    local stem=$1 ns
    local -a all
    mapfile -t all < <(list_namespaces "$stem")
    if ((${#all[@]} == 0)); then
        remove_upnpd_dirs "$stem"
        return 0
    fi
    for ns in "${all[@]}"; do kill_namespace_pids "$ns" TERM; done
    # Up to 2 s for a clean exit, then SIGKILL; repeat while anything (a fresh fork) remains.
    for _ in $(seq 1 20); do
        local left=0
        for ns in "${all[@]}"; do
            [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] || left=1
        done
        ((left)) || break
        sleep 0.1
    done
    for _ in 1 2 3 4 5; do
        local left=0
        for ns in "${all[@]}"; do
            if [[ -n $(ip netns pids "$ns" 2>/dev/null) ]]; then
                left=1
                kill_namespace_pids "$ns" KILL
            fi
        done
        ((left)) || break
        sleep 0.1
    done
    # Deleting a namespace destroys its veths, and with them their peers in other namespaces.
    for ns in "${all[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    [[ -z $(list_namespaces "$stem") ]] || die "could not delete: $(list_namespaces "$stem" | tr '\n' ' ')"
    remove_upnpd_dirs "$stem"
}

lab_down() { remove_namespaces "$PREFIX-"; }

# ---------------------------------------------------------------------------------------------
# upnpd: miniupnpd on a `upnp` router. Its configuration, PID file, lease file and log live in a
# temporary directory named after the router's namespace. down and sweep kill it with everything
# else in the namespace (SIGTERM first, so it deletes its rules), then remove the directory.

readonly UPNPD_HTTP_PORT=5000

upnpd_dir_stem() { echo "${TMPDIR:-/tmp}/pvclab-upnpd.$1"; }

remove_upnpd_dirs() {
    local dir
    for dir in "$(upnpd_dir_stem "$1")"*; do
        if [[ -d $dir && ! -L $dir ]]; then rm -rf -- "$dir"; fi
    done
    return 0
}

start_upnpd() {
    local router=$1 stun_host=$2 stun_port=$3
    local ns dir pid p
    ns=$(ns_of "$router")
    local existing
    existing=$(list_namespaces "$ns")
    grep -qxF -- "$ns" <<<"$existing" || die "no namespace $ns (run: $0 up TOPOFILE $PREFIX)"
    nsx "$ns" nft list chain inet "$TABLE" prerouting_miniupnpd >/dev/null 2>&1 ||
        die "$router is not a router of kind upnp"
    command -v miniupnpd >/dev/null || die "miniupnpd not found (Debian packages miniupnpd and miniupnpd-nftables)"
    for p in $(ip netns pids "$ns"); do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) != miniupnpd ]] || die "miniupnpd already runs in $ns (PID $p)"
    done
    dir=$(mktemp -d "$(upnpd_dir_stem "$ns").XXXXXX")
    # secure_mode: a client maps ports to its own address only. The permission rules let the home
    # LANs map ports 1024-65535, and nothing else. miniupnpd's default PID and lease files would be
    # shared by every namespace, so both are in the directory.
    cat >"$dir/miniupnpd.conf" <<EOF
ext_ifname=wan0
listening_ip=lan0
http_port=$UPNPD_HTTP_PORT
enable_upnp=yes
enable_natpmp=no
secure_mode=yes
system_uptime=yes
notify_interval=60
clean_ruleset_interval=600
uuid=$(cat /proc/sys/kernel/random/uuid)
lease_file=$dir/upnp.leases
upnp_table_name=$TABLE
upnp_nat_table_name=$TABLE
ext_perform_stun=yes
ext_stun_host=$stun_host
ext_stun_port=$stun_port
allow 1024-65535 198.19.0.0/16 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
EOF
    # -d keeps it in the foreground, logging to stderr. ip netns exec execs in place (nsx, a function,
    # would add a subshell), so $! is miniupnpd's own PID.
    ip netns exec "$ns" miniupnpd -d -f "$dir/miniupnpd.conf" -P "$dir/miniupnpd.pid" </dev/null >"$dir/miniupnpd.log" 2>&1 &
    pid=$!
    # STUN comes first (up to 3 rounds of 3 s when replies go missing); then the HTTP port opens.
    for _ in $(seq 1 150); do
        if ! kill -0 "$pid" 2>/dev/null; then
            die "miniupnpd exited; the end of $dir/miniupnpd.log:
$(tail -n 15 "$dir/miniupnpd.log")"
        fi
        if [[ -n $(nsx "$ns" ss -H -tln "sport = :$UPNPD_HTTP_PORT") ]]; then
            if ! grep -q "Port forwarding is now enabled" "$dir/miniupnpd.log"; then
                kill -TERM "$pid" 2>/dev/null || true
                die "miniupnpd learnt no public address by STUN from $stun_host:$stun_port and would refuse every mapping; the end of $dir/miniupnpd.log:
$(tail -n 15 "$dir/miniupnpd.log")"
            fi
            echo "$pid"
            echo "$dir/miniupnpd.log"
            return 0
        fi
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
    die "miniupnpd did not listen on port $UPNPD_HTTP_PORT within 15 s; see $dir/miniupnpd.log"
}

# ---------------------------------------------------------------------------------------------

check_prefix() {
    [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_]{0,31}$ ]] || die "prefix '$1' must match [A-Za-z0-9][A-Za-z0-9_]{0,31}"
}

(($# >= 1)) || usage
[[ $(id -u) == 0 || $1 == rules ]] || die "must run as root"
case $1 in
up)
    (($# == 3)) || usage
    check_prefix "$3"
    PREFIX=$3
    lab_up "$2"
    ;;
down)
    (($# == 2)) || usage
    check_prefix "$2"
    PREFIX=$2
    lab_down
    ;;
sweep)
    (($# == 2)) || usage
    [[ $2 =~ ^[A-Za-z0-9][A-Za-z0-9_-]{2,}$ ]] || die "stem '$2' must be at least 3 characters of [A-Za-z0-9_-]"
    remove_namespaces "$2"
    ;;
exec)
    (($# >= 4)) || usage
    check_prefix "$2"
    PREFIX=$2
    [[ $3 =~ ^[a-z][a-z0-9]{0,11}$ ]] || die "bad node name '$3'"
    ns=$(ns_of "$3")
    shift 3
    exec ip netns exec "$ns" "$@"
    ;;
rules)
    (($# == 2)) || usage
    router_rules "$2"
    ;;
upnpd)
    (($# == 5)) || usage
    check_prefix "$2"
    PREFIX=$2
    [[ $3 =~ ^[a-z][a-z0-9]{0,11}$ ]] || die "bad router name '$3'"
    [[ $4 =~ ^198\.18\.([0-9]+)\.([0-9]+)$ ]] || die "STUN host '$4' is not an address in 198.18.0.0/16"
    c=${BASH_REMATCH[1]} d=${BASH_REMATCH[2]}
    if ! octet_ok "$c" || ! octet_ok "$d"; then die "bad STUN host '$4'"; fi
    if ! [[ $5 =~ ^[1-9][0-9]{0,4}$ ]] || (($5 > 65535)); then die "bad STUN port '$5'"; fi
    start_upnpd "$3" "$4" "$5"
    ;;
*) usage ;;
esac
