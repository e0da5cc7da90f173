#!/usr/bin/env bash
# The embedded default: SQLite, one background worker beside the web server, demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
mkdir -p var
SH=.venv/bin/shouhu
$SH migrate --noinput -v0
$SH demo load
$SH worker &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "守护已启动：http://127.0.0.1:8000/  （Ctrl+C 停止）"
$SH runserver 127.0.0.1:8000 --noreload
