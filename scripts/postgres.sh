#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 (trust auth, user postgres):
# starts the machine's cluster if it is installed but stopped, installs PostgreSQL 15 from
# Debian's packages when it is not installed at all (apt is not touched otherwise).
set -euo pipefail
ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if command -v pg_isready >/dev/null 2>&1 && ready; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # Wait up to 5 minutes for another apt/dpkg process's lock rather than failing.
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -1)
conf=/etc/postgresql/$version/main
# Trust auth on loopback for the test user, as on the project's machines.
if ! grep -q "shouhu-ci" "$conf/pg_hba.conf"; then
  $SUDO sed -i '1i host all all 127.0.0.1/32 trust # shouhu-ci\nhost all all ::1/128 trust # shouhu-ci\nlocal all all trust # shouhu-ci' "$conf/pg_hba.conf"
fi
$SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL 未能在 127.0.0.1:5432 启动" >&2
exit 1
