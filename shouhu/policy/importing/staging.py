"""Uploads waiting between preview and confirm: kept as files under MEDIA_ROOT (not in the
session: a table may be up to 20 MB), named by a random token, removed after a day. Beside each,
once the worker has read it (`tasks.parse_staged_table`), what the parse found, as JSON: the web
requests read that and never parse the file themselves."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

from .parsing import ParsedTask, ParseError, ParseResult

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
    for old in [*directory.glob("*.upload"), *directory.glob("*.parsed.json")]:
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


def staged_age(token: str) -> float:
    """Seconds since the upload was staged (0 when it is gone)."""
    path = _staged_path(token)
    try:
        return time.time() - path.stat().st_mtime if path is not None else 0.0
    except OSError:
        return 0.0


def discard_staged(token: str) -> None:
    path = _staged_path(token)
    if path is not None:
        path.unlink(missing_ok=True)
        path.with_suffix(".parsed.json").unlink(missing_ok=True)


def write_parsed(token: str, result: ParseResult) -> None:
    """Keep the worker's parse of a staged upload (written whole, then renamed into place, so a
    reader never sees half of it)."""
    path = _staged_path(token)
    if path is None:
        raise ValueError("invalid staging token")
    target = path.with_suffix(".parsed.json")
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(dataclasses.asdict(result), ensure_ascii=False), encoding="utf-8")
    partial.replace(target)


def read_parsed(token: str) -> ParseResult | None:
    """The worker's parse of a staged upload, or None while it is not done yet."""
    path = _staged_path(token)
    target = path.with_suffix(".parsed.json") if path is not None else None
    if target is None or not target.is_file():
        return None
    raw = json.loads(target.read_text(encoding="utf-8"))
    return ParseResult(
        title=raw["title"],
        tasks=[
            ParsedTask(**{**task, "lead": tuple(task["lead"]), "cooperating": tuple(task["cooperating"])})
            for task in raw["tasks"]
        ],
        errors=[ParseError(**error) for error in raw["errors"]],
    )
