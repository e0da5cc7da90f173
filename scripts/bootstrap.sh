#!/usr/bin/env bash
# Creates .venv from uv.lock. Needs only python3 (3.11+) on the machine; uv itself is
# installed into .tools/ from PyPI at the pinned version when it is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
if command -v uv >/dev/null 2>&1; then
  UV=uv
else
  if [ ! -x .tools/bin/uv ]; then
    python3 -m venv .tools
    .tools/bin/pip install --quiet "uv==${UV_VERSION}"
  fi
  UV=.tools/bin/uv
fi
"$UV" sync --frozen --quiet
