"""Uploads waiting between preview and confirm: kept as files under MEDIA_ROOT (not in the
session: a table may be up to 20 MB), named by a random token, removed after a day."""

from __future__ import annotations

import contextlib
import datetime
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

STAGING_DIR = "policy-uploads"
STAGING_MAX_AGE = datetime.timedelta(days=1)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _staging_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / STAGING_DIR


def _staged_path(token: str) -> Path | None:
    return _staging_dir() / f"{token}.upload" if _TOKEN_RE.match(token or "") else None


def stage_upload(data: bytes) -> str:
    """Keep an uploaded table until the user confirms; returns the random token naming it.
    Uploads older than a day (abandoned previews) are removed on the way."""
    directory = _staging_dir()
    directory.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STAGING_MAX_AGE.total_seconds()
    for old in directory.glob("*.upload"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < cutoff:
                old.unlink()
    token = secrets.token_urlsafe(24)
    path = _staged_path(token)
    assert path is not None
    path.write_bytes(data)
    return token


def read_staged(token: str) -> bytes | None:
    path = _staged_path(token)
    if path is None or not path.is_file():
        return None
    return path.read_bytes()


def discard_staged(token: str) -> None:
    path = _staged_path(token)
    if path is not None:
        path.unlink(missing_ok=True)
