#!/usr/bin/env bash
# The systemd units' exposure, as `systemd-analyze security` scores it offline (0 safest, 10 worst): each
# unit must stay at or under its goal (docs/helper.md, "Privileges"). Prints each score; exits 77 (a skip) without
# systemd-analyze.
#   unitsecurity.sh INSTALLER_DIR
set -euo pipefail
dir=$1
command -v systemd-analyze >/dev/null || { echo "unitsecurity: systemd-analyze is missing (package systemd)"; exit 77; }
status=0
# unit goal (the issue's: helper 4.0 "OK")
for entry in "pvc-helper.service 4.0"; do
  read -r unit goal <<<"$entry"
  # --offline reads the file itself; a copy, since it wants the unit's own name and no drop-ins.
  work=$(mktemp -d)
  cp "$dir/$unit" "$work/$unit"
  score=$(systemd-analyze security --offline=true "$work/$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  rm -rf "$work"
  if [ -z "$score" ]; then
    echo "unitsecurity: $unit: systemd-analyze gave no score"
    status=1
  elif awk -v s="$score" -v g="$goal" 'BEGIN { exit !(s > g) }'; then
    echo "unitsecurity: $unit: exposure $score, over its goal of $goal"
    status=1
  else
    echo "unitsecurity: $unit: exposure $score (goal: at most $goal)"
  fi
done
exit $status
