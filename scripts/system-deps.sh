#!/usr/bin/env bash
# Debian packages the browser tests need: Chromium (driven by the playwright package) and
# CJK fonts so Chinese renders in screenshots. apt is not touched when both are present; when
# something is missing, apt waits up to 5 minutes for another apt/dpkg process's lock instead
# of failing (other sessions on the machine may be installing at the same time).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# fc-list's output is read whole first: `fc-list | grep -q` under pipefail fails when grep stops
# at the first match and fc-list dies of SIGPIPE, which looked like "fonts missing".
fonts=$(fc-list 2>/dev/null || true)
grep -qi "Noto Sans CJK" <<<"$fonts" || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
LOCK_WAIT=(-o DPkg::Lock::Timeout=300)
$SUDO apt-get "${LOCK_WAIT[@]}" update -qq
$SUDO apt-get "${LOCK_WAIT[@]}" install -y -qq "${missing[@]}" fontconfig >/dev/null
