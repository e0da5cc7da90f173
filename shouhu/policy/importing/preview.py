"""Importing the task-division table, the preview: a dry run that says what would happen (the
commit, all or nothing, is `services.policy_import_commit`).

Every unit name in the table resolves to a `Department` by its short name, then by a saved
`UnitAlias`, then by a mapping the user chose for this import. A name none of these resolve
blocks the import until it is mapped to an existing unit (the mapping is saved as an alias for
next time) or confirmed as a genuinely new unit.

Versions: the documents with the same title are the versions of one table. Importing a table
whose content (numbers, areas, texts, units as written, modes) equals the latest version's
changes nothing; any other content becomes version N+1. The same table as .txt, .docx or .xlsx
has the same content hash.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.exceptions import ValidationError

from shouhu.accounts.models import Department, User
from shouhu.core import sandbox

from ..models import Mode, PolicyDocument, PolicyTask, ResponsibilityRole, UnitAlias
from .parsing import ParsedTask, ParseError, ParseResult, detect_format, parse_policy_document

MAX_UNIT_NAME = 100
MAX_TITLE = 200
MODE_LABELS = dict(Mode.choices)


class PolicyImportError(ValidationError):
    """The import was refused; `errors` are the Chinese messages (row and field named)."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__(list(errors))
        self.errors = list(errors)


# ---------------------------------------------------------------------------
# Preview
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnknownUnit:
    """A unit name the table uses that resolves to no known unit."""

    name: str
    rows: tuple[int, ...]
    numbers: tuple[int, ...]

    @property
    def message(self) -> str:
        rows = "、".join(str(row) for row in self.rows)
        numbers = "、".join(str(n) for n in self.numbers)
        return f"第 {rows} 行（任务 {numbers}）「责任单位」：未知单位「{self.name}」，请对应到已有单位或确认为新单位"


@dataclass(frozen=True)
class TaskDifference:
    number: int
    kind: str  # added | removed | text | area | units
    before: str = ""
    after: str = ""

    KIND_LABELS = {
        "added": "新增",
        "removed": "删除",
        "text": "任务内容修改",
        "area": "项目调整",
        "units": "责任单位调整",
    }

    @property
    def label(self) -> str:
        return self.KIND_LABELS[self.kind]

    @property
    def summary(self) -> str:
        if self.kind == "added":
            return f"任务 {self.number}：新增「{self.after}」"
        if self.kind == "removed":
            return f"任务 {self.number}：删除「{self.before}」"
        return f"任务 {self.number}：{self.label}，原为「{self.before}」，现为「{self.after}」"


@dataclass
class ImportPreview:
    title: str
    issuing_body: str
    issued_on: datetime.date | None
    filename: str
    source_format: str
    content_hash: str
    tasks: list[ParsedTask]
    errors: list[str]
    unknown_units: list[UnknownUnit]
    resolved: dict[str, Department]
    mapped: dict[str, Department]  # resolved by the user's mapping in this import
    unit_names: list[str]
    previous: PolicyDocument | None
    unchanged: PolicyDocument | None  # the latest version has exactly this content
    same_as_version: PolicyDocument | None  # an older version has this content (a revert)
    differences: list[TaskDifference] = field(default_factory=list)

    @property
    def can_commit(self) -> bool:
        return not self.errors and not self.unknown_units

    @property
    def blocking_messages(self) -> list[str]:
        return self.errors + [unit.message for unit in self.unknown_units]

    @property
    def next_version(self) -> int:
        return (self.previous.version + 1) if self.previous is not None else 1

    @property
    def areas(self) -> list[tuple[str, int]]:
        """(area, task count) in order of first appearance."""
        counts: dict[str, int] = {}
        for task in self.tasks:
            counts[task.area] = counts.get(task.area, 0) + 1
        return list(counts.items())

    @property
    def modes(self) -> list[tuple[str, str, int]]:
        """(mode, label, task count) for the modes the table uses."""
        counts: dict[str, int] = {}
        for task in self.tasks:
            counts[task.mode] = counts.get(task.mode, 0) + 1
        return [(mode, label, counts[mode]) for mode, label in Mode.choices if mode in counts]

    def differences_of(self, kind: str) -> list[TaskDifference]:
        return [d for d in self.differences if d.kind == kind]

    def summary_lines(self) -> list[str]:
        """A short Chinese summary (the CLI prints it; the preview page shows the same facts)."""
        lines = [
            f"分工表：{self.title}",
            f"任务 {len(self.tasks)} 项，项目 {len(self.areas)} 个，责任单位 {len(self.unit_names)} 个",
        ]
        if self.modes:
            lines.append("落实方式：" + "，".join(f"{label} {count} 项" for _, label, count in self.modes))
        if self.unchanged is not None:
            lines.append(f"与已有的第 {self.unchanged.version} 版内容相同，无变化")
        elif self.previous is not None:
            lines.append(f"将作为第 {self.next_version} 版导入；与第 {self.previous.version} 版相比：")
            if self.same_as_version is not None:
                lines.append(f"  （内容与第 {self.same_as_version.version} 版相同，即恢复为该版）")
            lines.extend(f"  {difference.summary}" for difference in self.differences)
        else:
            lines.append("将作为第 1 版导入")
        return lines


def content_hash(tasks: Iterable[ParsedTask]) -> str:
    """Hash of numbers, areas, texts, modes and units as written (not of the file or the
    responsibility wording), so the same table in any format hashes the same."""
    rows = [
        [t.number, t.area, t.text, t.mode, list(t.lead), list(t.cooperating)]
        for t in sorted(tasks, key=lambda t: t.number)
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _default_title(parsed_title: str | None, filename: str) -> str:
    if parsed_title:
        return parsed_title
    stem = PurePath(filename.replace("\\", "/")).stem.strip() if filename else ""
    return stem or "重点任务分工表"


def _units_of(task: ParsedTask) -> tuple[str, ...]:
    return tuple(dict.fromkeys(task.lead + task.cooperating))


def _resolve_units(
    names: Sequence[str], aliases: dict[str, int], create_units: Sequence[str], errors: list[str]
) -> tuple[dict[str, Department], dict[str, Department], set[str]]:
    """Resolve names: Department.name, then UnitAlias, then the user's mapping for this import.
    Returns all resolved units, those resolved by the user's mapping, and the names still
    unknown (create_units included: they become new units on commit)."""
    resolved = {d.name: d for d in Department.objects.filter(name__in=names)}
    remaining = [n for n in names if n not in resolved]
    for alias in UnitAlias.objects.filter(alias__in=remaining).select_related("department"):
        resolved[alias.alias] = alias.department
    remaining = [n for n in remaining if n not in resolved]
    wanted = {name: pk for name, pk in aliases.items() if name in remaining and pk}
    targets = Department.objects.in_bulk(set(wanted.values()))
    mapped: dict[str, Department] = {}
    for name, pk in wanted.items():
        if name in create_units:
            errors.append(f"「{name}」不能同时对应到已有单位又确认为新单位")
        elif pk not in targets:
            errors.append(f"「{name}」要对应的单位（编号 {pk}）不存在")
        else:
            resolved[name] = mapped[name] = targets[pk]
    return resolved, mapped, {n for n in remaining if n not in resolved}


def _differences(previous: PolicyDocument, tasks: Sequence[ParsedTask]) -> list[TaskDifference]:
    old = {task.number: task for task in previous.tasks.order_by("number").prefetch_related("responsibilities")}
    new = {task.number: task for task in tasks}
    result: list[TaskDifference] = []
    for number in sorted(old.keys() | new.keys()):
        before, after = old.get(number), new.get(number)
        if before is None and after is not None:
            result.append(TaskDifference(number, "added", after=after.text))
            continue
        if after is None and before is not None:
            result.append(TaskDifference(number, "removed", before=before.text))
            continue
        assert before is not None and after is not None
        if before.text != after.text:
            result.append(TaskDifference(number, "text", before.text, after.text))
        if before.area != after.area:
            result.append(TaskDifference(number, "area", before.area, after.area))
        lead, cooperating = _names_as_written(before)
        if (before.mode, lead, cooperating) != (after.mode, after.lead, after.cooperating):
            result.append(
                TaskDifference(
                    number,
                    "units",
                    describe_units(before.mode, lead, cooperating),
                    describe_units(after.mode, after.lead, after.cooperating),
                )
            )
    return result


def _names_as_written(task: PolicyTask) -> tuple[tuple[str, ...], tuple[str, ...]]:
    rows = sorted(task.responsibilities.all(), key=lambda r: r.position)
    lead = tuple(r.name_as_written for r in rows if r.role == ResponsibilityRole.LEAD)
    cooperating = tuple(r.name_as_written for r in rows if r.role == ResponsibilityRole.COOPERATING)
    return lead, cooperating


def describe_units(mode: str, lead: Sequence[str], cooperating: Sequence[str]) -> str:
    """「牵头：县民政局；配合：县财政局、县残联」 or 「按职责分别落实：县民政局、县残联」."""
    if mode == Mode.LEAD_AND_COOPERATING:
        text = "牵头：" + "、".join(lead)
        if cooperating:
            text += "；配合：" + "、".join(cooperating)
        return text
    return f"{MODE_LABELS.get(mode, mode)}：" + "、".join(lead)


def parse_in_child(data: bytes, filename: str) -> ParseResult:
    """The table parsed in a child process under the parse memory limit and a time limit
    (`core.sandbox`), so a table that gets past `office_guard` and still explodes fails its
    preview, not the process. Uploads from the web are parsed by the worker
    (`tasks.parse_staged_table`); the command line parses here."""
    from django.conf import settings

    limits = sandbox.Budget(
        memory_mb=sandbox.budget().memory_mb, seconds=int(getattr(settings, "SHOUHU_TABLE_PARSE_SECONDS", 30))
    )
    try:
        return sandbox.call_in_child(parse_policy_document, data, filename, limits=limits)
    except sandbox.ParseLimitExceeded as error:
        return ParseResult(title=None, tasks=[], errors=[ParseError(None, None, str(error))])


def policy_import_preview(
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    title: str | None = None,
    issuing_body: str = "",
    issued_on: datetime.date | None = None,
    aliases: dict[str, int] | None = None,
    create_units: Sequence[str] | None = None,
    parsed: ParseResult | None = None,
) -> ImportPreview:
    """Check a table without writing anything. `parsed`: the worker's parse of `data` (a web
    upload); without it the table is parsed here (the command line, tests)."""
    aliases = aliases or {}
    create = [name for name in (create_units or []) if name]
    result = parsed if parsed is not None else parse_in_child(data, filename)
    errors = [error.message for error in result.errors]
    tasks = result.tasks
    chosen_title = (title or "").strip() or _default_title(result.title, filename)
    if len(chosen_title) > MAX_TITLE:
        errors.append(f"标题过长（{len(chosen_title)} 字，上限 {MAX_TITLE} 字）")

    first_use: dict[str, list[ParsedTask]] = {}
    for task in tasks:
        for name in _units_of(task):
            first_use.setdefault(name, []).append(task)
            if len(name) > MAX_UNIT_NAME and len(first_use[name]) == 1:
                errors.append(f"第 {task.row} 行「责任单位」：单位名称「{name[:20]}…」过长（超过 {MAX_UNIT_NAME} 字）")
    names = list(first_use)
    for name in create:
        if name not in first_use:
            errors.append(f"要新建的单位「{name}」在表中没有出现")
    resolved, mapped, unknown = _resolve_units(names, aliases, create, errors)
    for name in create:
        if name in resolved and name not in mapped:
            errors.append(f"「{name}」已是已有单位「{resolved[name].name}」，无需新建")
    unknown_units = [
        UnknownUnit(name, tuple(t.row for t in first_use[name]), tuple(t.number for t in first_use[name]))
        for name in names
        if name in unknown and name not in create
    ]

    digest = content_hash(tasks)
    previous = PolicyDocument.objects.filter(title=chosen_title).order_by("-version").first()
    unchanged = previous if previous is not None and previous.content_hash == digest else None
    same_as = None
    differences: list[TaskDifference] = []
    if previous is not None and unchanged is None and tasks:
        same_as = PolicyDocument.objects.filter(title=chosen_title, content_hash=digest).order_by("-version").first()
        differences = _differences(previous, tasks)
    return ImportPreview(
        title=chosen_title,
        issuing_body=issuing_body.strip(),
        issued_on=issued_on,
        filename=filename,
        source_format=detect_format(data),
        content_hash=digest,
        tasks=list(tasks),
        errors=errors,
        unknown_units=unknown_units,
        resolved=resolved,
        mapped=mapped,
        unit_names=names,
        previous=previous,
        unchanged=unchanged,
        same_as_version=same_as,
        differences=differences,
    )
