#!/usr/bin/env bash
# Installs the Debian 12 packages listed in installer/debian-packages.txt (or in the list file given), and
# nothing from elsewhere.
#   install-deps.sh [LIST]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=${1:-$here/debian-packages.txt}
mapfile -t packages < <(grep -vE '^\s*(#|$)' "$list")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
# miniupnpd is only for the lab's routers, each started in its own namespace by lab.sh upnpd. Its
# postinst starts the system service on the host's network if debconf says so, and fails the whole
# install when that start fails (as in a container without an init system): answer no in advance.
for p in "${missing[@]}"; do
    if [ "$p" = miniupnpd ]; then
        echo "miniupnpd miniupnpd/start_daemon boolean false" | $sudo debconf-set-selections
    fi
done
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
