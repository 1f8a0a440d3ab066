#!/usr/bin/env bash
# The demo's grid work (docs/grid.md): the master runs a real Work Queue manager (pvc-wqmanager) on
# TCP 9123, closed off the overlay; the volunteers' pvcd-supervised workers, each in its sandbox, run
# 40 gzip tasks over the overlay; bob's owner pauses him mid-batch. Every output is checked.
# Called by run-lab-demo.sh: demo-batch.sh BIN_DIR PREFIX WORK_DIR HELLO_PID VOLUNTEER...
set -euo pipefail
bin=$1 prefix=$2 work=$3 hello=$4
shift 4
volunteers=("$@")
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_ns() { local node=$1; shift; ip netns exec "$prefix-$node" "$@"; }
pvc() {
  local node=$1; shift
  ip netns exec "$prefix-$node" setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
    env XDG_RUNTIME_DIR="$work/$node/run" "$bin/pvc" --control "$work/$node/run/control.sock" "$@"
}
tasks=40
batch="$work/batch"
mkdir -p "$batch"

step "The master runs a Work Queue manager on TCP 9123, reachable only through the overlay"
# The hello service of the network part gives the port back first.
kill "$hello" 2>/dev/null || true
for _ in $(seq 1 50); do
  in_ns master ss -Htln 'sport = :9123' | grep -q . || break
  sleep 0.1
done
in_ns master nft add table inet pvcgrid
in_ns master nft add chain inet pvcgrid input '{ type filter hook input priority 0; }'
in_ns master nft add rule inet pvcgrid input tcp dport 9123 iifname != "pvc0" drop
echo "master: nft drops TCP 9123 unless it arrives on pvc0 (work_queue_create listens on every address)"
# 40 gzip tasks, each on its own generated text of about 1.5 MB.
{
  echo '{"tasks": ['
  for i in $(seq 1 $tasks); do
    awk -v s="$i" 'BEGIN { for (n = s; n < s + 30000; n++) print "line " n " of a generated input for the demo grid" }' >"$batch/in$i.txt"
    [ "$i" -gt 1 ] && echo ','
    printf '{"tag": "gzip-%d", "command": "sleep 0.5; gzip -9 < in.txt > out.gz", ' "$i"
    printf '"inputs": [{"local": "%s/in%d.txt", "remote": "in.txt"}], ' "$batch" "$i"
    printf '"outputs": [{"local": "%s/out%d.gz", "remote": "out.gz"}]}' "$batch" "$i"
  done
  echo ']}'
} >"$batch/batch.json"
in_ns master "$bin/pvc-wqmanager" --port 9123 --batch "$batch/batch.json" --report "$batch/report.json" \
  --timeout 300 2>"$batch/manager.log" & manager=$!
echo "master: $tasks tasks submitted (gzip -9 of a generated 1.5 MB text each)"

step "The volunteers' owners let the grid run: each pvcd starts work_queue_worker in its sandbox"
for node in "${volunteers[@]}"; do pvc "$node" resume >/dev/null; done
sleep 3
for node in "${volunteers[@]}"; do printf '%-6s ' "$node"; pvc "$node" status | grep '^Worker:' || echo; done

step "bob's owner comes back: pvc pause (every process of bob's sandbox stops at once)"
pvc bob pause 5 >/dev/null
sleep 1
printf 'bob    '; pvc bob status | grep '^Worker:'
root=$(pvc bob status --json | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
# The sandbox's processes: its bwrap and every descendant, with their state.
ps -e -o pid=,ppid=,stat=,comm= | awk -v root="$root" '
  { parent[$1] = $2; state[$1] = $3; name[$1] = $4 }
  END {
    for (p in parent) { q = p; while (q != "" && q != root && q != 1 && q != 0) q = parent[q]; if (q == root) { n++; if (state[p] ~ /^T/) t++; list = list " " name[p] } }
    printf "bob'"'"'s sandbox: %d of its %d processes stopped (state T):%s\n", t, n, list
  }' 
sleep 4
pvc bob resume >/dev/null
echo "bob's owner resumes after 5 s: bob's worker goes on where it was"

step "The batch completes"
while kill -0 "$manager" 2>/dev/null; do
  done_count=$(grep -c ' on ' "$batch/manager.log" || true)
  printf '\r  %d/%d tasks done' "$done_count" "$tasks"
  sleep 1
done
echo
wait "$manager" || { echo "demo: the batch did not complete"; tail -5 "$batch/manager.log"; exit 1; }
bad=0
for i in $(seq 1 $tasks); do
  gunzip -c "$batch/out$i.gz" | cmp -s - "$batch/in$i.txt" || bad=$((bad + 1))
done
echo "outputs checked: $((tasks - bad)) of $tasks decompress to their input exactly"
echo "which volunteer ran what:"
for node in "${volunteers[@]}"; do
  printf '  %-6s %2d tasks  ' "$node" "$(grep -c "\"host\": \"$node\"" "$batch/report.json" || true)"
  pvc "$node" status | grep '^Worker:' | sed 's/^Worker: *//'
done
[ "$bad" -eq 0 ]
