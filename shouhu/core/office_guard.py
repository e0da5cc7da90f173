"""Checking an uploaded Office Open XML file (.xlsx, .docx: a zip of XML parts) before anything
parses it. Every reader of an uploaded workbook or document calls `check_package` first
(rosters: `registry.exchange.reading`; the task table: `policy.importing.parsing`; stored
documents and evidence: `core.uploads`), so a new reader gets the same checks by calling it too.

What is refused, each with a Chinese message that says why:

- a member compressed with anything but "stored" or deflate (bzip2, lzma, zstd, deflate64, …:
  Excel and Word never write them, and bzip2 gives 1:300,000 bombs), or encrypted, or whose
  local header names another method than the central directory;
- more members than `Limits.members`;
- a member that unpacks to more than `Limits.member_bytes`, all members together to more than
  `Limits.unpacked_bytes`, or a member that unpacks to more than `Limits.ratio` times its
  compressed size (once past `RATIO_FLOOR`: small parts such as styles compress very well);
- sizes or checksums that differ from what the headers declare;
- an XML part with a DOCTYPE (no Office part has one; it is how entity bombs start) or a tag
  longer than `MAX_TAG_BYTES`;
- for workbooks (`Limits.rows`/`Limits.columns` set): a declared `<dimension ref=…>`, a row
  (`<row r=…>`) or a cell (`<c r=…>`, or counted when the file leaves `r` out) beyond the rows and
  columns the file may have — a single cell at XFD1048576 makes the spreadsheet reader allocate
  the whole 16,384 × 1,048,576 range.

Nothing here trusts the zip headers for sizes: every member is decompressed here, a block at a
time, with its own zlib object, and counted (memory stays at a few MB whatever the file claims).
Parsing then happens in a child process under a memory limit (`core.sandbox`) as a second line.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

MB = 1024 * 1024
BLOCK = 1024 * 1024  # decompressed bytes per step
READ = 64 * 1024  # compressed bytes read per step
RATIO_FLOOR = 4 * MB  # a member smaller than this unpacked is never refused for its ratio
MAX_TAG_BYTES = 1 * MB  # one XML tag (its name and attributes); real ones are under 1 KB
ALLOWED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
METHOD_NAMES = {1: "shrink", 6: "implode", 9: "deflate64", 12: "bzip2", 14: "lzma", 93: "zstd", 95: "xz", 98: "ppmd"}
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


class HostileFile(Exception):
    """The file is refused before parsing; `str(error)` says why, in Chinese."""


@dataclass(frozen=True)
class Limits:
    label: str  # what the file is, for messages: 名单, 分工表, 文件
    unpacked_bytes: int
    member_bytes: int
    members: int = 1000
    ratio: int = 200
    rows: int | None = None  # workbooks: the last row and column a cell may be in
    columns: int | None = None


def _setting(name: str, default: int) -> int:
    from django.conf import settings

    return int(getattr(settings, name, default)) if settings.configured else default


def roster_limits() -> Limits:
    """Children's rosters: up to SHOUHU_ROSTER_MAX_ROWS × SHOUHU_ROSTER_MAX_COLUMNS (200,000 × 200)."""
    return Limits(
        label="名单",
        unpacked_bytes=_setting("SHOUHU_ROSTER_MAX_UNPACKED_MB", 1024) * MB,
        member_bytes=_setting("SHOUHU_ROSTER_MAX_MEMBER_MB", 768) * MB,
        ratio=_setting("SHOUHU_OFFICE_MAX_RATIO", 200),
        rows=_setting("SHOUHU_ROSTER_MAX_ROWS", 200_000),
        columns=_setting("SHOUHU_ROSTER_MAX_COLUMNS", 200),
    )


def table_limits() -> Limits:
    """The task-division table (a few hundred rows of four columns) as .xlsx or .docx."""
    return Limits(
        label="分工表",
        unpacked_bytes=_setting("SHOUHU_TABLE_MAX_UNPACKED_MB", 100) * MB,
        member_bytes=_setting("SHOUHU_TABLE_MAX_UNPACKED_MB", 100) * MB,
        ratio=_setting("SHOUHU_OFFICE_MAX_RATIO", 200),
        rows=_setting("SHOUHU_TABLE_MAX_ROWS", 5_000),
        columns=_setting("SHOUHU_TABLE_MAX_COLUMNS", 50),
    )


def document_limits() -> Limits:
    """Stored attachments (children's documents, supervision evidence): kept and sent back, never
    parsed by us, but still no bombs handed to the next person who opens them."""
    return Limits(
        label="文件",
        unpacked_bytes=_setting("SHOUHU_DOCUMENT_MAX_UNPACKED_MB", 200) * MB,
        member_bytes=_setting("SHOUHU_DOCUMENT_MAX_UNPACKED_MB", 200) * MB,
        ratio=_setting("SHOUHU_OFFICE_MAX_RATIO", 200),
    )


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def check_package(source: str | Path | IO[bytes], *, limits: Limits) -> None:
    """Raise HostileFile when the zip at `source` (a path or a seekable binary file) may not be
    parsed; a damaged zip is left for the reader to report in its own words."""
    if isinstance(source, str | Path):
        with open(source, "rb") as f:
            _check(f, limits)
        return
    position = source.tell()
    try:
        _check(source, limits)
    finally:
        source.seek(position)


def _check(f: IO[bytes], limits: Limits) -> None:
    f.seek(0, os.SEEK_END)
    archive_size = f.tell()
    f.seek(0)
    try:
        archive = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the reader says so
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.members:
            raise HostileFile(f"文件包含 {len(infos)} 个部件，超过上限 {limits.members} 个，拒绝处理")
        total = 0
        for info in infos:
            _check_header(f, info)
            scan = _XmlScan(info.filename, limits)
            size = 0
            crc = 0
            for block in _unpacked(f, info, archive_size):
                size += len(block)
                total += len(block)
                if size > limits.member_bytes:
                    raise HostileFile(
                        f"文件中的 {info.filename} 解压后超过 {limits.member_bytes // MB} MB 上限，拒绝处理"
                    )
                if total > limits.unpacked_bytes:
                    raise HostileFile(f"文件解压后超过 {limits.unpacked_bytes // MB} MB 上限，拒绝处理")
                if size > RATIO_FLOOR and size > limits.ratio * max(1, min(info.compress_size, archive_size)):
                    raise HostileFile(f"文件中的 {info.filename} 压缩比超过 {limits.ratio}:1（疑似压缩炸弹），拒绝处理")
                crc = zlib.crc32(block, crc)
                scan.feed(block)
            scan.close()
            if size != info.file_size or crc != info.CRC:
                raise HostileFile(f"文件中的 {info.filename} 与其声明的大小或校验值不符（文件已损坏或被篡改）")


def _check_header(f: IO[bytes], info: zipfile.ZipInfo) -> None:
    name = info.filename
    if info.flag_bits & 0x1:
        raise HostileFile(f"文件中的 {name} 已加密，无法检查，拒绝处理")
    if info.compress_type not in ALLOWED_METHODS:
        method = METHOD_NAMES.get(info.compress_type, str(info.compress_type))
        raise HostileFile(
            f"文件中的 {name} 使用了不允许的压缩方式（{method}）：只接受 Excel、Word 使用的 deflate 或不压缩"
        )
    f.seek(info.header_offset)
    header = f.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise HostileFile(f"文件中的 {name} 位置有误（文件已损坏或被篡改）")
    signature, _, _, method, *_rest = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04" or method != info.compress_type:
        raise HostileFile(f"文件中的 {name} 本地头与目录不符（文件已损坏或被篡改）")


def _unpacked(f: IO[bytes], info: zipfile.ZipInfo, archive_size: int) -> Iterator[bytes]:
    """The member's bytes as its compressed data really decompresses (not as its header says)."""
    f.seek(info.header_offset)
    fields = _LOCAL_HEADER.unpack(f.read(_LOCAL_HEADER.size))
    start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
    left = max(0, min(info.compress_size, archive_size - start))
    f.seek(start)
    if info.compress_type == zipfile.ZIP_STORED:
        while left:
            block = f.read(min(BLOCK, left))
            if not block:
                break
            left -= len(block)
            yield block
        return
    inflater = zlib.decompressobj(-15)
    position, pending = start, b""
    try:
        while not inflater.eof:
            if not pending and left:
                f.seek(position)
                pending = f.read(min(READ, left))
                position, left = position + len(pending), left - len(pending) if pending else 0
            block = inflater.decompress(pending, BLOCK)
            pending = inflater.unconsumed_tail
            if block:
                yield block
            elif not pending and not left:
                break  # the compressed data ended before the stream did: the size check says so
    except zlib.error:
        raise HostileFile(f"文件中的 {info.filename} 压缩数据已损坏") from None


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_CELL_REF = re.compile(rb"<(?:\w+:)?c(?=\s)[^>]*?\sr\s*=\s*[\"']\$?([A-Za-z]{1,10})\$?([0-9]{1,12})[\"']")
_ROW_REF = re.compile(rb"<(?:\w+:)?row(?=\s)[^>]*?\sr\s*=\s*[\"']([0-9]{1,12})[\"']")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_TOKEN = re.compile(rb"<(?:\w+:)?(row|c)(\s[^>]*)?/?>")
_R_ATTR = re.compile(rb"\sr\s*=\s*[\"']\$?([A-Za-z]{0,10})\$?([0-9]{0,12})[\"']")
_RANGE_END = re.compile(r"^\$?([A-Za-z]{1,10})\$?([0-9]{1,12})$")


class _XmlScan:
    """Looks at an XML part as it is unpacked: cut at the last complete tag of each block, keep
    the rest (at most MAX_TAG_BYTES) for the next; what is looked for never spans a cut."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name = name
        self.limits = limits
        self.cells = limits.rows is not None and limits.columns is not None
        self.carry = b""
        self.xml: bool | None = None
        self.row = 0  # the current row and column, for cells and rows written without `r`
        self.column = 0

    def feed(self, block: bytes) -> None:
        if self.xml is None:
            self.xml = block.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
        if not self.xml:
            return
        data = self.carry + block if self.carry else block
        cut = data.rfind(b"<")
        if cut >= 0 and data.find(b">", cut) < 0:
            body, self.carry = data[:cut], data[cut:]
            if len(self.carry) > MAX_TAG_BYTES:
                raise HostileFile(f"文件中的 {self.name} 含有超过 {MAX_TAG_BYTES // MB} MB 的标记，拒绝处理")
        else:
            body, self.carry = data, b""
        self._scan(body)

    def close(self) -> None:
        if self.carry:
            self._scan(self.carry)

    def _too_far(self, what: str) -> HostileFile:
        return HostileFile(
            f"工作表{what}超出{self.limits.label}允许的 {self.limits.columns} 列 × {self.limits.rows} 行"
        )

    def _scan(self, body: bytes) -> None:
        if _DOCTYPE.search(body):
            raise HostileFile(f"文件中的 {self.name} 含有 DOCTYPE 或实体声明（Office 文件不会有），拒绝处理")
        if not self.cells:
            return
        max_rows, max_columns = self.limits.rows or 0, self.limits.columns or 0
        for ref in _DIMENSION.findall(body):
            for end in ref.decode("ascii", "replace").split(":"):
                match = _RANGE_END.match(end.strip())
                if match and (int(match[2]) > max_rows or column_number(match[1]) > max_columns):
                    raise self._too_far(f"声明的范围 {end.strip().replace('$', '')} ")
        cells = _CELL_REF.findall(body)
        if cells:
            far_column = max(cells, key=lambda c: (len(c[0]), c[0].upper()))
            far_row = max(cells, key=lambda c: (len(c[1].lstrip(b"0")), c[1].lstrip(b"0")))
            for letters, digits in (far_column, far_row):
                if column_number(letters.decode()) > max_columns or int(digits) > max_rows:
                    raise self._too_far(f"的单元格 {letters.decode().upper()}{int(digits)} ")
            self.column = column_number(cells[-1][0].decode())
        rows = _ROW_REF.findall(body)
        if rows:
            far = max(rows, key=lambda r: (len(r.lstrip(b"0")), r.lstrip(b"0")))
            if int(far) > max_rows:
                raise self._too_far(f"第 {int(far)} 行")
            self.row = int(rows[-1])
        if len(_CELL_TAG.findall(body)) > len(cells):
            self._count(body)  # cells without `r`: the reader places them one after another

    def _count(self, body: bytes) -> None:
        max_rows, max_columns = self.limits.rows or 0, self.limits.columns or 0
        for kind, attributes in _TOKEN.findall(body):
            ref = _R_ATTR.search(attributes or b"")
            if kind == b"row":
                self.row = int(ref[2]) if ref and ref[2] else self.row + 1
                self.column = 0
                if self.row > max_rows:
                    raise self._too_far(f"第 {self.row} 行")
            else:
                self.column = column_number(ref[1].decode()) if ref and ref[1] else self.column + 1
                if self.column > max_columns:
                    raise self._too_far(f"第 {max(self.row, 1)} 行的第 {self.column} 列")
