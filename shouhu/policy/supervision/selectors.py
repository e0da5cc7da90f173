"""Reads for supervision (督办): who must report what for which period, with what result, and
who reports and reviews. Which reports a user may open is the access layer's
(`shouhu.access.reports_visible_to` and friends); these reads start from it.

An *obligation* is one task × one responsible unit (× one township, for tasks every township
answers for) × one period. Units come from `responsible_on` (so 县卫计局's tasks are reported by
县卫健局 today); the unit 各乡镇（街道） expands to the county's townships.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode

from shouhu.access import (
    Capability,
    can,
    can_open_report,
    departments_visible_to,
    reports_for_unit,
    reports_visible_to,
    user_unit_filters,
)
from shouhu.accounts.models import Department, Role, User
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.regions.models import Level, Region
from shouhu.web.caching import POLICY, shared

from ..models import EvidenceFile, PolicyDocument, PolicyTask, ProgressReport, ReviewState
from ..selectors import ReorganisationGraph, current_document, reorganisation_graph, responsible_on, task_list
from .periods import Period, period_for, period_for_task, recent_periods


class ObligationState:
    MISSING = "missing"
    OVERDUE = "overdue"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"

    LABELS = {
        MISSING: "待报告",
        OVERDUE: "逾期未报",
        SUBMITTED: "待审核",
        RETURNED: "已退回",
        ACCEPTED: "已通过",
    }
    ORDER = (OVERDUE, RETURNED, MISSING, SUBMITTED, ACCEPTED)  # worst first


def county_townships() -> list[Region]:
    """The county's townships and subdistrict (13 for 桓仁), not demo data (kept until regions change)."""
    return list(shared(POLICY, ("county_townships",), _county_townships))


def _county_townships() -> tuple[Region, ...]:
    return tuple(
        Region.objects.filter(level=Level.TOWNSHIP, parent__code=settings.SHOUHU_COUNTY_CODE, is_demo=False).order_by(
            "code"
        )
    )


@dataclass(frozen=True)
class Unit:
    department: Department
    township: Region | None
    role: str

    @property
    def label(self) -> str:
        return self.township.name if self.township is not None else self.department.name

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.department.pk, self.township.pk if self.township is not None else None)


def task_units(task: PolicyTask, on: datetime.date, graph: ReorganisationGraph, townships: list[Region]) -> list[Unit]:
    """The units that answer for `task` on `on`, each once (lead before cooperating)."""
    units: list[Unit] = []
    seen: set[int] = set()
    for responsible in responsible_on(task, on=on, graph=graph):
        department = responsible.department
        if department.pk in seen:
            continue
        seen.add(department.pk)
        if department.is_townships:
            units.extend(Unit(department, township, responsible.role) for township in townships)
        else:
            units.append(Unit(department, None, responsible.role))
    return units


def unit_answers_for(
    task: PolicyTask, department: Department, township: Region | None, on: datetime.date | None = None
) -> bool:
    """Whether the unit (township) must report on `task` on `on` (today by default)."""
    document = current_document()
    if document is None or task.document_id != document.pk:
        return False
    if township is not None and township.pk not in {t.pk for t in county_townships()}:
        return False
    if township is not None and not department.is_townships:
        return False
    units = task_units(task, on or today(), reorganisation_graph(), [township] if township is not None else [])
    return any(u.department.pk == department.pk and (u.township is None) == (township is None) for u in units)


@dataclass
class Obligation:
    task: PolicyTask
    unit: Unit
    period: Period
    today: datetime.date
    report: ProgressReport | None = None

    @property
    def department(self) -> Department:
        return self.unit.department

    @property
    def township(self) -> Region | None:
        return self.unit.township

    @property
    def due(self) -> datetime.date:
        return self.period.due

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def done(self) -> bool:
        """A report is in (submitted or accepted): nothing for the unit to do."""
        return self.report is not None and self.report.review_state in (ReviewState.SUBMITTED, ReviewState.ACCEPTED)

    @property
    def overdue(self) -> bool:
        return self.today > self.due and not self.done

    @property
    def state(self) -> str:
        if self.report is not None:
            return {
                ReviewState.SUBMITTED: ObligationState.SUBMITTED,
                ReviewState.ACCEPTED: ObligationState.ACCEPTED,
                ReviewState.RETURNED: ObligationState.RETURNED,
            }[ReviewState(self.report.review_state)]
        return ObligationState.OVERDUE if self.overdue else ObligationState.MISSING

    @property
    def state_label(self) -> str:
        return ObligationState.LABELS[self.state]

    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else ""

    @property
    def status_label(self) -> str:
        return self.report.get_status_display() if self.report is not None else ""

    @property
    def key(self) -> tuple[int, int, int | None, str]:
        return (self.task.pk, self.department.pk, self.township.pk if self.township else None, self.period.key)

    @property
    def report_url(self) -> str:
        """The reporting form for this obligation."""
        url = reverse(
            "policy:supervision_report", kwargs={"task_id": self.task.pk, "department_id": self.department.pk}
        )
        params = {"period": self.period.key}
        if self.township is not None:
            params["township"] = self.township.code
        return f"{url}?{urlencode(params)}"

    @property
    def detail_url(self) -> str:
        if self.report is None:
            return ""
        return reverse("policy:supervision_report_detail", kwargs={"report_id": self.report.pk})


def _attach_reports(items: list[Obligation]) -> list[Obligation]:
    if not items:
        return items
    # Reports belong to a task *number* of the table, not to one version's row: a revision of the
    # table (new rows) must not hide what units already reported. The newest version's report wins.
    titles = {o.task.document.title for o in items}
    numbers = {o.task.number for o in items}
    keys = {o.period.key for o in items}
    reports = (
        ProgressReport.objects.filter(task__document__title__in=titles, task__number__in=numbers, period__in=keys)
        .select_related("submitted_by", "reviewed_by", "task__document", "department", "township")
        .order_by("task__document__version", "pk")
    )
    by_key = {(r.task.document.title, r.task.number, r.department_id, r.township_id, r.period): r for r in reports}
    for obligation in items:
        task = obligation.task
        department_id, township_id = obligation.unit.key
        obligation.report = by_key.get(
            (task.document.title, task.number, department_id, township_id, obligation.period.key)
        )
    return items


def build_obligations(
    *,
    periods_for: Callable[[PolicyTask], Iterable[Period]],
    on: datetime.date | None = None,
    document: PolicyDocument | None = None,
    area: str = "",
    department: Department | None = None,
    township: Region | None = None,
    townships_only: bool = False,
    task_ids: Iterable[int] | None = None,
) -> list[Obligation]:
    """Obligations of the current table, one per task × unit × period `periods_for(task)` gives.
    Units are those responsible on the period's last day (or `on`, if earlier)."""
    on = on or today()
    document = document or current_document()
    if document is None:
        return []
    wanted = set(task_ids) if task_ids is not None else None
    tasks = [t for t in task_list(document) if (not area or t.area == area) and (wanted is None or t.pk in wanted)]
    graph = reorganisation_graph()
    townships = county_townships()
    if township is not None:
        townships = [t for t in townships if t.pk == township.pk]
    result: list[Obligation] = []
    township_ids = tuple(t.pk for t in townships)
    for task in tasks:
        for period in periods_for(task):
            day = min(on, period.end)
            units = shared(
                POLICY,
                ("task_units", task.pk, day, township_ids),
                lambda task=task, day=day: tuple(task_units(task, day, graph, townships)),  # type: ignore[misc]
            )
            for unit in units:
                if department is not None and unit.department.pk != department.pk:
                    continue
                if (township is not None or townships_only) and unit.township is None:
                    continue
                result.append(Obligation(task=task, unit=unit, period=period, today=on))
    return _attach_reports(result)


def obligations_for_period(
    chosen: Period | None = None, *, on: datetime.date | None = None, **filters: object
) -> list[Obligation]:
    """Each task's obligations for the chosen period (None: each task's current period)."""
    on = on or today()
    return build_obligations(periods_for=lambda task: [period_for_task(task, chosen, on)], on=on, **filters)  # type: ignore[arg-type]


def obligations_recent(count: int, *, on: datetime.date | None = None, **filters: object) -> list[Obligation]:
    """Each task's obligations for its current period and the `count - 1` before it."""
    on = on or today()
    return build_obligations(
        periods_for=lambda task: recent_periods(task.report_frequency, count, on),
        on=on,
        **filters,  # type: ignore[arg-type]
    )


EARLIER_PERIODS_MAX = 3  # how far back "earlier periods" reach at most (the reminders' window)


def earlier_periods(task: PolicyTask, on: datetime.date) -> list[Period]:
    """The task's periods before its current one that are still followed up: back to the first
    whose due date has passed (normally just the previous period; two while the previous one is
    within its due days). The reminders, the home panels and the 督办 page all use this window."""
    found: list[Period] = []
    period = period_for(on, task.report_frequency)
    while len(found) < EARLIER_PERIODS_MAX:
        period = period.previous()
        found.append(period)
        if period.due < on:
            break
    return found


def obligations_outstanding_earlier(*, on: datetime.date | None = None, **filters: object) -> list[Obligation]:
    """Earlier periods' obligations whose report is not in (missing, returned, overdue): the 督办
    page lists and counts them beside the current period's, where they are overdue."""
    on = on or today()
    items = build_obligations(periods_for=lambda task: earlier_periods(task, on), on=on, **filters)  # type: ignore[arg-type]
    return [o for o in items if not o.done]


def last_due_periods(*, on: datetime.date | None = None, **filters: object) -> list[Obligation]:
    """Each task's obligations for its most recent period whose due date has passed: what the
    leader's completion rate is measured on (a period not yet due has nothing to measure)."""
    on = on or today()

    def last_due(task: PolicyTask) -> list[Period]:
        period = period_for(on, task.report_frequency)
        while period.due >= on:
            period = period.previous()
        return [period]

    return build_obligations(periods_for=last_due, on=on, **filters)  # type: ignore[arg-type]


@dataclass
class MyObligations:
    """What a unit must report now: each task's current period (本期, the 督办 page's) and the
    earlier periods still followed up (`earlier_periods`)."""

    current: list[Obligation] = field(default_factory=list)
    previous: list[Obligation] = field(default_factory=list)

    @property
    def to_report(self) -> list[Obligation]:
        """Not yet reported (or returned) and not yet overdue, of any period."""
        return [o for o in self.current + self.previous if not o.done and not o.overdue]

    @property
    def current_to_report(self) -> list[Obligation]:
        """本期: the current period's, not yet reported."""
        return [o for o in self.current if not o.done and not o.overdue]

    @property
    def previous_to_report(self) -> list[Obligation]:
        """Earlier periods' not yet reported, still within their due days."""
        return [o for o in self.previous if not o.done and not o.overdue]

    @property
    def overdue(self) -> list[Obligation]:
        return [o for o in self.current + self.previous if o.overdue]


def my_obligations(user: User, *, on: datetime.date | None = None) -> MyObligations:
    filters = user_unit_filters(user)
    if filters is None:
        return MyObligations()
    on = on or today()
    current = obligations_for_period(None, on=on, **filters)
    earlier = build_obligations(periods_for=lambda task: earlier_periods(task, on), on=on, **filters)  # type: ignore[arg-type]
    # The previous period whole (what was reported and how it was reviewed), older ones while open.
    previous = [o for o in earlier if not o.done or o.period == current_of(o, on).previous()]
    return MyObligations(current=current, previous=previous)


def current_of(obligation: Obligation, on: datetime.date) -> Period:
    return period_for(on, obligation.task.report_frequency)


def due_obligations(*, on: datetime.date | None = None) -> list[Obligation]:
    """For reminders: every task's current period and its earlier periods still followed up
    (`earlier_periods`: back to the first whose due date has passed)."""
    on = on or today()
    return build_obligations(
        periods_for=lambda task: [period_for(on, task.report_frequency), *earlier_periods(task, on)], on=on
    )


# --- who reports, who reviews (the people notifications go to) ------------------------------

REVIEWER_ROLES = (Role.COUNTY_ADMIN, Role.CASEWORKER)


def reviewers() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=REVIEWER_ROLES).order_by("id")


def unit_reporters(department: Department, township: Region | None = None) -> QuerySet[User]:
    """Active users who report for a unit: its officers, or a township's supervisors."""
    if township is not None:
        return User.objects.filter(is_active=True, role=Role.TOWNSHIP_SUPERVISOR, region=township).order_by("id")
    return User.objects.filter(is_active=True, role=Role.DEPARTMENT_OFFICER, department=department).order_by("id")


# --- the matrix ------------------------------------------------------------------------------


@dataclass
class Cell:
    """One matrix cell: one obligation, or the township obligations of a task summed up."""

    obligations: list[Obligation]
    can_act: bool = False  # the user reports for this unit
    can_open: bool = False  # the user may open the report

    @property
    def single(self) -> Obligation | None:
        return self.obligations[0] if len(self.obligations) == 1 else None

    @property
    def state(self) -> str:
        states = {o.state for o in self.obligations}
        return next(s for s in ObligationState.ORDER if s in states)

    @property
    def reported(self) -> int:
        return sum(1 for o in self.obligations if o.done)


@dataclass
class MatrixRow:
    task: PolicyTask
    period: Period
    cells: list[Cell | None]


@dataclass
class Matrix:
    columns: list[Unit]
    rows: list[MatrixRow]
    counts: Counter[str]
    total: int

    @property
    def reported(self) -> int:
        return self.counts[ObligationState.SUBMITTED] + self.counts[ObligationState.ACCEPTED]


def supervision_matrix(user: User, items: list[Obligation], *, township_columns: bool) -> Matrix:
    """Tasks × units. Townships are one summed column unless `township_columns`."""
    columns: dict[tuple[int, int | None], Unit] = {}
    grouped: dict[int, dict[tuple[int, int | None], list[Obligation]]] = {}
    periods: dict[int, Period] = {}
    tasks: dict[int, PolicyTask] = {}
    for obligation in items:
        unit = obligation.unit
        if unit.township is not None and not township_columns:
            unit = Unit(unit.department, None, unit.role)
        columns.setdefault(unit.key, unit)
        grouped.setdefault(obligation.task.pk, {}).setdefault(unit.key, []).append(obligation)
        periods[obligation.task.pk] = obligation.period
        tasks[obligation.task.pk] = obligation.task
    ordered = sorted(
        columns.values(),
        key=lambda u: (u.department.is_townships, u.department.pk, u.township.code if u.township else ""),
    )
    rows = []
    for task_id, by_unit in grouped.items():
        cells: list[Cell | None] = []
        for unit in ordered:
            found = by_unit.get(unit.key)
            if not found:
                cells.append(None)
                continue
            single = found[0] if len(found) == 1 else None
            can_act = single is not None and reports_for_unit(user, single.department, single.township)
            can_open = single is not None and single.report is not None and can_open_report(user, single.report)
            cells.append(Cell(found, can_act=can_act, can_open=can_open))
        rows.append(MatrixRow(task=tasks[task_id], period=periods[task_id], cells=cells))
    return Matrix(columns=ordered, rows=rows, counts=Counter(o.state for o in items), total=len(items))


# --- loaders that enforce scope (404 outside it) ---------------------------------------------


def obligation_for_report(
    user: User, *, task_id: int, department_id: int, township_code: str = ""
) -> tuple[PolicyTask, Department, Region | None]:
    """A task × unit the user reports for (`shouhu.access.reports_for_unit`) and must report on; 404
    for anything else."""
    document = current_document()
    task = PolicyTask.objects.filter(pk=task_id, document=document).first() if document else None
    department = departments_visible_to(user).filter(pk=department_id).first()
    township = None
    if township_code:
        township = Region.objects.filter(code=township_code, level=Level.TOWNSHIP).first()
        if township is None:
            raise Http404("乡镇（街道）不存在")
    if task is None or department is None:
        raise Http404("任务或单位不存在")
    if not reports_for_unit(user, department, township) or not unit_answers_for(task, department, township):
        raise Http404("该任务不由您所在单位报告")
    return task, department, township


def review_queue(
    user: User, *, department: Department | None = None, area: str = "", period: str = ""
) -> QuerySet[ProgressReport]:
    """Submitted reports waiting for review, oldest first."""
    if not can(user, Capability.REVIEW_PROGRESS):
        return ProgressReport.objects.none()
    reports = reports_visible_to(user).filter(review_state=ReviewState.SUBMITTED)
    if department is not None:
        reports = reports.filter(department=department)
    if area:
        reports = reports.filter(task__area=area)
    if period:
        reports = reports.filter(period=period)
    return reports.order_by("submitted_at", "id")


def report_history(report: ProgressReport) -> QuerySet[AuditEvent]:
    """Every submit, resubmit and review of a report, oldest first (from the audit log)."""
    return (
        AuditEvent.objects.filter(object_type=ProgressReport._meta.label_lower, object_id=str(report.pk))
        .select_related("actor")
        .order_by("at", "id")
    )


def report_evidence(report: ProgressReport) -> QuerySet[EvidenceFile]:
    return report.evidence.select_related("uploaded_by").order_by("created_at", "id")


def task_areas(document: PolicyDocument | None = None) -> list[str]:
    document = document or current_document()
    if document is None:
        return []
    areas: dict[str, None] = {}
    for area in document.tasks.order_by("area_order", "number").values_list("area", flat=True):
        areas.setdefault(area, None)
    return list(areas)
