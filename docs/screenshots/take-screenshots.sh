#!/usr/bin/env bash
# Retakes the pvc-tray screenshots in this folder: a real demo grid on loopback (a master, two brokers,
# three joined volunteers and one that has not joined), pvc-tray under Xvfb with the openbox window
# manager and trayer as the system tray, xdotool for the clicks and ImageMagick's import for the pictures.
# Usage: docs/screenshots/take-screenshots.sh BIN_DIR   (e.g. build/bin)
# Needs the Debian packages xvfb openbox trayer xdotool imagemagick sqlite3 (screenshot tools only, not CI's).
set -euo pipefail
bin=$(cd "$1" && pwd)
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/pvc-shots.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export XDG_RUNTIME_DIR=$work/run XDG_CONFIG_HOME=$work/config HOME=$work/home
mkdir -p -m 700 "$XDG_RUNTIME_DIR" && mkdir -p "$HOME"
start() { "$@" >>"$work/log" 2>&1 & pids+=($!); }

# The grid, as tests/demo/run-loopback-demo.sh starts it.
p1=$((20000 + RANDOM % 20000)); p2=$((p1 + 1))
"$bin/pvc-admin" init --dir "$work/master" --name "Demo Grid" --broker "127.0.0.1:$p1" --broker "127.0.0.1:$p2" \
  --network 240.7.0.0/16 --domain demo.pvc >/dev/null
start "$bin/pvc-broker" --listen "127.0.0.1:$p1" --state "$work/broker1"
start "$bin/pvc-broker" --listen "127.0.0.1:$p2" --state "$work/broker2"
start "$bin/pvc-admin" serve --dir "$work/master"
for name in alice bob carol dave; do
  start "$bin/pvcd" --project "$work/master/project.json" --state "$work/$name" --control "$work/$name.sock"
done
sleep 1.5
invite=$("$bin/pvc-admin" invite --dir "$work/master" --uses 3 --ttl 1h)
for name in alice bob carol; do "$bin/pvc" --control "$work/$name.sock" join --invite "$invite" --name "$name"; done

# A desktop: display, window manager, system tray.
display=:$((90 + RANDOM % 9))
start Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp
export DISPLAY=$display
sleep 1
start openbox
start trayer --edge top --align right --widthtype request --height 28 --SetDockType true --SetPartialStrut true \
  --transparent false --tint 0xe5e7eb
sleep 1

tray() { # tray LANG HOST: starts pvc-tray for HOST; sets $id to its main window and $tray_pid
  start env LANG="$1" LC_ALL="$1" "$bin/pvc-tray" --control "$work/$2.sock" --project "$work/master/project.json" \
    --no-start-daemon
  tray_pid=${pids[-1]}
  id=$(xdotool search --sync --onlyvisible --name '^pvc$' | tail -1)
  xdotool windowmove "$id" 200 120 windowactivate --sync "$id"
  sleep 2.5
}
stop_tray() { kill "$tray_pid"; wait "$tray_pid" 2>/dev/null || true; sleep 0.5; }
shot() { import -frame -window "$1" "$out/$2.png"; echo "screenshots: $2.png"; }
next_tab() { xdotool key ctrl+Tab; sleep 1; }
first_tab() { # clicks the first tab of window $1
  eval "$(xdotool getwindowgeometry --shell "$1")"
  xdotool mousemove $((X + 30)) $((Y + 20)) click 1
  sleep 1
}

# 1. The Join screen of a computer that has not joined, filled in, then joined.
tray en_GB.UTF-8 dave
xdotool key ctrl+a && xdotool type dave && xdotool key Tab && xdotool type "$("$bin/pvc-admin" invite --dir "$work/master")"
sleep 0.5
shot "$id" join
xdotool key Return
sleep 4
shot "$id" join-member
stop_tray

# Credit, as pvc-batch --master would grant it (docs/batch.md): grants over the last ten days in the
# master's ledger (sqlite3, a screenshot tool only); pvc-admin serve states them to alice within seconds.
for day in $(seq 0 9); do
  for task in $(seq 1 $((3 + day % 4))); do
    sqlite3 "$work/master/ledger.db" "INSERT INTO grants VALUES ('shots', 'd$day-t$task', 'alice', 0.35, 151, \
      strftime('%s', 'now') - $day * 86400 - 3600)"
  done
done
for _ in $(seq 1 40); do "$bin/pvc" --control "$work/alice.sock" credits | grep -q '^As of' && break; sleep 0.5; done

# 2. The main window of a member, tab by tab, and the tray's menu. Alice has published a dataset (on
# loopback there is no overlay to fetch it over, so the Data tab shows it being shared, by her alone).
mkdir -p "$work/reference" && head -c 48000000 /dev/zero >"$work/reference/genome.fa"
"$bin/pvc" --control "$work/alice.sock" publish "$work/reference" >/dev/null
tray en_GB.UTF-8 alice
first_tab "$id" && shot "$id" status
next_tab && shot "$id" computing
next_tab && shot "$id" data
next_tab && shot "$id" credits
next_tab && shot "$id" about
xdotool mousemove 1267 13 click 3
sleep 1
import -window root -crop 560x240+720+0 "$out/tray-menu.png" && echo "screenshots: tray-menu.png"
xdotool key Escape
stop_tray

# 3. The same in French.
tray fr_FR.UTF-8 alice
first_tab "$id" && shot "$id" status-fr
next_tab && shot "$id" computing-fr
stop_tray

# 4. pvcd cannot start (here: no project bundle): the window says why instead of hanging.
start env LANG=en_GB.UTF-8 LC_ALL=en_GB.UTF-8 "$bin/pvc-tray" --control "$work/none.sock" \
  --project "$work/no-such-project.json"
tray_pid=${pids[-1]}
id=$(xdotool search --sync --onlyvisible --name '^pvc$' | tail -1)
xdotool windowmove "$id" 200 120
sleep 4
shot "$id" pvcd-not-running
stop_tray
