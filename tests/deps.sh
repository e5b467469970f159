#!/bin/sh
# Install the named Debian packages that are missing; `apt-get update` only
# when something has to be installed.  Used by `make demo` and `make test`.
set -eu
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "faultline: missing Debian packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "faultline: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
