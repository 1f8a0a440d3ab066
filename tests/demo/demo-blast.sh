#!/usr/bin/env bash
# The demo's certified science (docs/batch.md): BLAST as in the paper. The master makes a protein database
# (generated sequences, makeblastdb) and publishes it by BitTorrent; queries are mutated database entries, so
# there are real hits. One volunteer, erin, turns saboteur (pvcd --test-saboteur, a switch of test builds that
# alters every output its tasks write). pvc-batch certifies the blastp tasks by voting with spot-checks: erin is
# caught and blocked, the certified hits match a local BLAST run, and each volunteer is shown its credit.
# Called by run-lab-demo.sh: demo-blast.sh BIN_DIR PREFIX WORK_DIR VOLUNTEER...
set -euo pipefail
bin=$1 prefix=$2 work=$3
shift 3
volunteers=("$@")
saboteur=erin
sequences=50000 queries=24 checks=3
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_ns() { local node=$1; shift; ip netns exec "$prefix-$node" "$@"; }
as_nobody() {
  local node=$1; shift
  ip netns exec "$prefix-$node" setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
    env XDG_RUNTIME_DIR="$work/$node/run" "$@"
}
pvc() { local node=$1; shift; as_nobody "$node" "$bin/pvc" --control "$work/$node/run/control.sock" "$@"; }
blast="$work/blast"
mkdir -p "$blast/db" "$blast/local"
search() { blastp -query "$1" -db "$2" -outfmt 6 -max_target_seqs 5 -num_threads 1; }

step "The master makes a protein database ($sequences generated sequences of 300 residues) and publishes it by BitTorrent"
awk -v n="$sequences" 'BEGIN { srand(7); a = "ACDEFGHIKLMNPQRSTVWY"
  for (i = 1; i <= n; i++) { printf ">p%05d generated protein %d\n", i, i; s = ""
    for (j = 0; j < 300; j++) s = s substr(a, int(rand() * 20) + 1, 1)
    for (k = 1; k <= 300; k += 60) print substr(s, k, 60) } }' >"$blast/proteins.fa"
makeblastdb -in "$blast/proteins.fa" -dbtype prot -out "$blast/db/proteins" >/dev/null
chown -R nobody:nogroup "$blast/db" && chmod -R a+rX "$blast"
ref=$(as_nobody master "$bin/pvc-admin" publish --control "$work/master/run/control.sock" "$blast/db" | tail -1)
echo "database: $(du -sh "$blast/db" | cut -f1), published as $ref"

step "$queries queries and $checks known-answer queries, each a database entry with 15% of its residues mutated"
for i in $(seq 1 $((queries + checks))); do
  entry=$(printf 'p%05d' $(( (i * 1847) % sequences + 1 )))
  awk -v e="$entry" -v seed="$i" 'BEGIN { srand(seed); a = "ACDEFGHIKLMNPQRSTVWY" }
    /^>/ { f = ($1 == ">" e); if (f) print ">q" seed " mutated " e; next }
    f { s = ""; for (k = 1; k <= length($0); k++) { c = substr($0, k, 1); if (rand() < 0.15) c = substr(a, int(rand() * 20) + 1, 1); s = s c }; print s }' \
    "$blast/proteins.fa" >"$blast/q$i.fa"
done
# The master's own run: the known answers for the spot-checks, and the reference for the certified results.
for i in $(seq 1 $((queries + checks))); do search "$blast/q$i.fa" "$blast/db/proteins" >"$blast/local/q$i.tsv"; done
command='blastp -query q.fa -db blastdb/proteins -outfmt 6 -max_target_seqs 5 -num_threads 1 > hits.tsv'
{
  printf '{"format": "pvc-batch-1", "name": "blast",\n'
  printf ' "certification": {"mode": "voting", "quorum": 2, "max_replicas": 3, "spot_check_every": 4},\n'
  printf ' "tasks": [\n'
  for i in $(seq 1 $queries); do
    [ "$i" -gt 1 ] && printf ',\n'
    printf '  {"id": "q%02d", "command": "%s", "outputs": ["hits.tsv"],\n' "$i" "$command"
    printf '   "inputs": [{"path": "q%d.fa", "as": "q.fa"}, {"data": "%s", "as": "blastdb"}]}' "$i" "$ref"
  done
  printf '],\n "spot_checks": [\n'
  for k in $(seq 1 $checks); do
    i=$((queries + k))
    [ "$k" -gt 1 ] && printf ',\n'
    printf '  {"id": "k%d", "command": "%s", "outputs": ["hits.tsv"],\n' "$k" "$command"
    printf '   "inputs": [{"path": "q%d.fa", "as": "q.fa"}, {"data": "%s", "as": "blastdb"}],\n' "$i" "$ref"
    printf '   "expected": {"hits.tsv": "local/q%d.tsv"}}' "$i"
  done
  printf ']}\n'
} >"$blast/batch.json"
echo "top hit of q1: $(head -1 "$blast/local/q1.tsv" | cut -f2,3,11 | tr '\t' ' ') (entry, % identity, e-value)"

step "erin's machine turns saboteur: its pvcd restarts with --test-saboteur (test builds only)"
# erin's pvcd, found in erin's namespace (the demo's own), by its name and PID.
for pid in $(ip netns pids "$prefix-erin"); do
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pvcd ] && erin_pid=$pid
done
kill "$erin_pid"
for _ in $(seq 1 50); do kill -0 "$erin_pid" 2>/dev/null || break; sleep 0.1; done
ip netns exec "$prefix-erin" setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
  env XDG_RUNTIME_DIR="$work/erin/run" "$bin/pvcd" --project "$work/project.json" --state "$work/erin/state" \
  --control "$work/erin/run/control.sock" --helper "$work/helpers/erin.sock" --test-saboteur >>"$work/erin.log" 2>&1 &
echo $! >"$work/erin-saboteur.pid"
for _ in $(seq 1 100); do pvc erin peers 2>/dev/null | grep -q '^master .*authenticated' && break; sleep 0.2; done
pvc erin set idle-minutes 0 >/dev/null
pvc erin resume >/dev/null
grep -m1 'TEST SWITCH' "$work/erin.log" | sed 's/^.*TEST SWITCH/erin: TEST SWITCH/'

step "The master runs pvc-batch: voting (2 agreeing of at most 3); each host's first task, then every 4th, a known-answer one"
in_ns master "$bin/pvc-batch" run "$blast/batch.json" --dir "$blast/run" --master "$work/admin" \
  --control "$work/master/run/control.sock" --blocklist "$blast/blocked-hosts" --replica-timeout 120 \
  2> >(grep -v '^pvc\.' >&2) || { echo "demo: pvc-batch failed"; exit 1; }

step "The certified hits against the master's own BLAST run"
same=0
for i in $(seq 1 $queries); do
  cmp -s "$blast/run/results/$(printf 'q%02d' "$i")/hits.tsv" "$blast/local/q$i.tsv" && same=$((same + 1))
done
echo "certified results identical to the local run: $same of $queries"
outvoted=$(grep -l '"agrees": false' "$blast/run/results"/q*/report.json 2>/dev/null | wc -l || true)
echo "tasks where a replica disagreed and was outvoted: $outvoted"
in_ns master "$bin/pvc-batch" status "$blast/run" | sed -n '2p'

step "Credit, as each volunteer's pvcd shows it: the master's signed statement, through the brokers"
# The master states each host's credit within 3 s of a change; give it two rounds after the last grant.
for _ in $(seq 1 40); do
  pvc alice credits --json | grep -q '"version"' && break
  sleep 0.5
done
sleep 7
for node in "${volunteers[@]}"; do
  printf '  %-6s ' "$node"
  pvc "$node" credits | tr '\n' ' ' | sed 's/  */ /g'
  echo
done
echo "the master's ranking (pvc-admin credits):"
"$bin/pvc-admin" credits --dir "$work/admin" | sed 's/^/  /'
[ "$same" -eq "$queries" ]
