"""Validated rows kept between an import's preview and its commit.

The preview (`validation.validate_file`) reads, converts and validates every row of the upload.
The commit must not trust a stale preview, but reading and validating the same bytes with the
same code on the same date gives the same records; so the preview writes the valid records to a
side file beside the upload, and the commit reads them back instead of parsing the upload again
— when, and only when, they provably come from the same bytes, code and import:

- The file is sealed with AES-256-GCM under a key derived from the encryption key
  (`SHOUHU_ENCRYPTION_KEY`): without the key nobody can read the children's data in it, or forge,
  alter, reorder or drop a record. Each frame's tag covers its position and the context below; a
  last frame holds the row count, so a cut file is refused.
- The context every frame is bound to: the upload's SHA-256 (hashed again by the commit), the
  format, the effective date, the importing user, and the validating code (a hash of the modules
  that read and validate rows, with the versions of python-calamine and python-stdnum).
- What can change between preview and commit without changing the upload — the registry (ID
  numbers registered since, children edited since) and the regions and the user's jurisdiction —
  is checked again by the commit (`commit.commit_file`), as before.

When anything does not match (no file, another key, other code, another upload) `open_records`
returns None and the commit reads and validates the upload again. Records are packed as plain
tuples and `marshal`led: nothing but strings, numbers and booleans comes out of the file, and
ChildRecords are rebuilt field by field.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import json
import marshal
import os
import struct
from collections.abc import Iterator
from dataclasses import fields
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shouhu.core import crypto

from .format import ChildRecord, Disability, Guardian, Parent

MAGIC = b"shouhu import records v1\n"
FRAME_ROWS = 2000
_LENGTH = struct.Struct(">I")
_ROWS, _END = b"R", b"E"  # a frame of rows; the last frame
_POSITION = struct.Struct(">Q")
# The modules whose code decides what a row reads as: this package's readers and validator, the
# registry's identity checks and labels, and the check every uploaded workbook passes first.
_HERE = Path(__file__).parent
_CODE = (
    *(_HERE / name for name in ("format.py", "layout.py", "layout_reading.py", "xlsx_reader.py", "reading.py")),
    _HERE / "validation.py",
    _HERE.parent / "identity.py",
    _HERE.parent / "labels.py",
    _HERE.parent / "record_keys.py",
    _HERE.parent.parent / "core" / "office_guard.py",  # which files are read at all
    Path(__file__),
)
_PACKAGES = ("python-calamine", "python-stdnum")
PACKED_FIELDS = (
    "id_number", "no_id_reason", "name", "sex", "birth_date", "region_code", "hukou_region_code", "low_income",
    "extreme_poverty", "temporary_hardship", "parents", "guardian", "guardian_recorded", "disability",
    "serious_illness", "school_stage", "school_enrolled", "living_arrangement", "migrant", "left_behind", "abuse",
    "neglect", "abandoned",
)  # fmt: skip
if tuple(f.name for f in fields(ChildRecord)) != PACKED_FIELDS:
    raise RuntimeError("ChildRecord changed: update pack() and unpack() in sealed_records.py")


class RecordsChanged(Exception):
    """The side file changed while the commit was reading it."""


@cache
def code_version() -> str:
    digest = hashlib.sha256()
    for path in _CODE:
        digest.update(path.read_bytes())
    for package in _PACKAGES:
        try:
            digest.update(importlib.metadata.version(package).encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(b"-")
    return digest.hexdigest()


def context(*, sha256: str, fmt: str, as_of: datetime.date, actor_id: int | None) -> bytes:
    """What the records are valid for: bound into every frame's tag."""
    return json.dumps([sha256, fmt, as_of.isoformat(), actor_id, code_version()]).encode()


@cache
def _aead_for(key: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"shouhu import records v1").derive(key)
    return AESGCM(derived)


def _aead() -> AESGCM:
    return _aead_for(crypto.keyring()[0])


def _date(value: datetime.date | None) -> int | None:
    return value.toordinal() if value is not None else None


def _day(value: int | None) -> datetime.date | None:
    return datetime.date.fromordinal(value) if value is not None else None


def pack(r: ChildRecord) -> tuple[Any, ...]:
    return (
        r.id_number, r.no_id_reason, r.name, r.sex, r.birth_date.toordinal(), r.region_code, r.hukou_region_code,
        r.low_income, r.extreme_poverty, r.temporary_hardship,
        tuple(
            (p.role, p.status, _date(p.since), _date(p.until), p.disability_type, p.disability_grade)
            for p in r.parents
        ),
        (r.guardian.relationship, r.guardian.able) if r.guardian else None, r.guardian_recorded,
        (r.disability.type, r.disability.grade) if r.disability else None,
        r.serious_illness, r.school_stage, r.school_enrolled, r.living_arrangement, r.migrant, r.left_behind,
        r.abuse, r.neglect, r.abandoned,
    )  # fmt: skip


def unpack(t: tuple[Any, ...]) -> ChildRecord:
    (number, reason, name, sex, birth, region, hukou, low, extreme, hardship, parents, guardian, guardian_recorded,
     disability, ill, stage, enrolled, living, migrant, left, abuse, neglect, abandoned) = t  # fmt: skip
    return ChildRecord(
        number, reason, name, sex, datetime.date.fromordinal(birth), region, hukou, low, extreme, hardship,
        tuple([Parent(role, status, _day(since), _day(until), d_type, d_grade)
               for role, status, since, until, d_type, d_grade in parents]) if parents else (),
        Guardian(*guardian) if guardian else None, guardian_recorded, Disability(*disability) if disability else None,
        ill, stage, enrolled, living, migrant, left, abuse, neglect, abandoned,
    )  # fmt: skip


class RecordWriter:
    """Appends (row number, record) in sealed frames; `close()` when every row is valid,
    `discard()` otherwise (the file is removed)."""

    def __init__(self, path: Path, bound_to: bytes) -> None:
        self.path = path
        self.context = bound_to
        self.aead = _aead()
        self.rows: list[tuple[int, tuple[Any, ...]]] = []
        self.position = 0
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file: BinaryIO | None = path.open("wb")
        self.file.write(MAGIC)

    def add(self, row: int, record: ChildRecord) -> None:
        self.rows.append((row, pack(record)))
        if len(self.rows) >= FRAME_ROWS:
            self._frame(_ROWS, self.rows)
            self.rows = []

    def _frame(self, kind: bytes, payload: Any) -> None:
        assert self.file is not None
        nonce = os.urandom(12)
        plain = kind + marshal.dumps(payload)
        sealed = nonce + self.aead.encrypt(nonce, plain, self.context + _POSITION.pack(self.position))
        self.file.write(_LENGTH.pack(len(sealed)) + sealed)
        self.position += 1

    def close(self) -> None:
        if self.rows:
            self._frame(_ROWS, self.rows)
            self.rows = []
        self._frame(_END, self.position)  # how many frames came before: a cut file is refused
        assert self.file is not None
        self.file.close()
        self.file = None

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        self.path.unlink(missing_ok=True)


def _frames(path: Path, bound_to: bytes) -> Iterator[bytes]:
    """The decrypted frames (kind byte + marshal data); InvalidTag or ValueError on anything
    unexpected."""
    aead = _aead()
    with path.open("rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            raise ValueError("not a records file")
        position = 0
        while head := f.read(_LENGTH.size):
            if len(head) != _LENGTH.size:
                raise ValueError("cut")
            sealed = f.read(_LENGTH.unpack(head)[0])
            yield aead.decrypt(sealed[:12], sealed[12:], bound_to + _POSITION.pack(position))
            position += 1


def _load(plain: bytes) -> Any:
    return marshal.loads(plain[1:])  # noqa: S302 (authenticated: only what RecordWriter wrote)


def _valid(path: Path, bound_to: bytes) -> bool:
    frames, ended = 0, False
    try:
        for plain in _frames(path, bound_to):
            if ended:
                return False
            if plain[:1] == _END:
                ended = _load(plain) == frames
                if not ended:
                    return False
            frames += 1
    except (OSError, ValueError, EOFError, TypeError, InvalidTag):
        return False
    return ended


def open_records(path: Path, bound_to: bytes) -> Iterator[tuple[int, ChildRecord]] | None:
    """The kept (row number, record) pairs in file order, or None when the file is missing or was
    not made for `bound_to` under the current key (the caller then validates the upload again).
    The whole file is checked before the first record is returned."""
    if not path.is_file() or not _valid(path, bound_to):
        return None
    return _records(path, bound_to)


def _records(path: Path, bound_to: bytes) -> Iterator[tuple[int, ChildRecord]]:
    try:
        for plain in _frames(path, bound_to):
            if plain[:1] == _END:
                return
            for row, packed in _load(plain):
                yield row, unpack(packed)
    except (OSError, ValueError, EOFError, TypeError, InvalidTag) as error:
        raise RecordsChanged(str(error)) from None
    raise RecordsChanged("no end")
