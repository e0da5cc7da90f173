"""What screening leaves on the 待补充信息 worklist (`PendingFacts`), run by run and child by child,
and screening one child at once (`screen_child`)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A, VILLAGE_A, VILLAGE_B
from shouhu.core.models import AuditEvent
from shouhu.eligibility import selectors
from shouhu.eligibility.models import ChangeKind, Eligibility, EligibilityChange, PendingFacts, ScreeningRun
from shouhu.eligibility.rules import ruleset_on
from shouhu.eligibility.screening import run_screening, screen_child, screening_request
from shouhu.eligibility.selectors.child import latest_screening_date
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child
from shouhu.registry.selectors import situation_on

from .eligibility_factories import LONG_AGO, child_data, today

pytestmark = pytest.mark.django_db

LOW_INCOME = {"low_income": True}
NO_MOTHER = [{"role": "father", "status": "deceased"}]
IN_PRISON = [
    {"role": "father", "status": "imprisoned", "since": "2023-03-01"},
    {"role": "mother", "status": "deceased"},
]


def _record(data: dict[str, Any]) -> Any:
    on = max(today(), datetime.date.fromisoformat(data["birth_date"]))  # a child born after today: as of then
    record, errors = parse_record(data, today=on)
    assert record is not None, errors
    return record


def _register(*, without: tuple[str, ...] = (), **changes: Any) -> Child:
    """A child whose facts hold since long ago; `without` drops top-level keys (not recorded)."""
    data = child_data(**changes)
    for key in without:
        del data[key]
    return services.child_register(actor=None, record=_record(data), effective=LONG_AGO)


def _update(child: Child, *, without: tuple[str, ...] = (), **changes: Any) -> None:
    data = child_data(name=child.name, region_code=child.region_code, **changes)
    for key in without:
        del data[key]
    child.refresh_from_db()
    services.child_update(
        actor=None, child=child, record=_record(data), expected_version=child.version, effective=today()
    )


def _pending(child: Child) -> tuple[str, list[str]] | None:
    row = PendingFacts.objects.filter(child=child).first()
    return (row.codes, row.facts) if row else None


def _engine(child: Child, on: datetime.date) -> tuple[str, list[str]] | None:
    """What the in-memory engine leaves undetermined for the child: the row screening should write."""
    undetermined = ruleset_on(on).decide(situation_on(child, on), on).undetermined
    if not undetermined:
        return None
    facts = {fact for depending in undetermined.values() for fact in depending}
    return " ".join(sorted(undetermined)), [f for f in PendingFacts.FACT_FIELDS if f in facts]


def test_a_run_writes_the_worklist_as_the_engine_decides_and_drops_what_was_recorded() -> None:
    on = today()
    no_mother = _register(name="缺母亲", parents=NO_MOTHER, household=LOW_INCOME)
    no_attendance = _register(name="缺在读", schooling={"stage": "primary"}, household=LOW_INCOME)
    no_guardian = _register(name="缺监护人", parents=IN_PRISON, without=("guardian",))
    both = _register(name="两项", schooling={"stage": "primary"}, household=LOW_INCOME, without=("guardian",))
    complete = _register(name="齐全", household=LOW_INCOME)
    elsewhere = _register(name="别处", region_code=VILLAGE_B, parents=NO_MOTHER)
    PendingFacts.objects.create(child=elsewhere, codes="orphan", mother=True, as_of=on)

    run = run_screening(screening_request(actor=None, region_code=TOWNSHIP_A, as_of=on))

    for child in (no_mother, no_attendance, no_guardian, both, complete):
        assert _pending(child) == _engine(child, on), child.name
    assert _pending(no_mother) is not None and "orphan" in _pending(no_mother)[0].split()  # type: ignore[index]
    assert _pending(no_mother)[1] == ["parents.mother"]  # type: ignore[index]
    assert _pending(no_attendance) == ("T09 T14", ["schooling.enrolled"])
    assert _pending(no_guardian)[1] == ["guardian"]  # type: ignore[index]
    # T09 does not read the guardian and T14 does: both facts are flagged, by T14.
    assert _pending(both) == ("T09 T14", ["schooling.enrolled", "guardian"])
    assert _pending(complete) is None
    row = PendingFacts.objects.get(child=no_attendance)
    assert (row.as_of, row.screened_by) == (on, run)
    assert _pending(elsewhere) == ("orphan", ["parents.mother"])  # another township's row is not touched

    # Attendance gets recorded, a record is closed: the next run drops their rows, keeps the rest.
    _update(no_attendance, schooling={"stage": "primary", "enrolled": True}, household=LOW_INCOME)
    no_guardian.refresh_from_db()
    services.child_close(actor=None, child=no_guardian, reason="moved_away", closed_on=on, expected_version=1)  # type: ignore[arg-type]
    second = run_screening(screening_request(actor=None, region_code=TOWNSHIP_A, as_of=on))
    assert _pending(no_attendance) is None and _pending(no_guardian) is None
    assert _pending(no_mother) == _engine(no_mother, on)
    assert PendingFacts.objects.get(child=no_mother).screened_by == second


def test_screening_one_child_at_once_gains_loses_and_lists_what_is_missing(personas: dict[str, User]) -> None:
    on = today()
    child = _register(name="即时", household=LOW_INCOME)
    neighbour = _register(name="邻居", household=LOW_INCOME)

    first = screen_child(child=child, actor=personas["director_a"])
    assert {"low_income", "in_difficulty", "T02", "T07"} <= set(first.gained) and first.lost == []
    assert first.undetermined == {} and _pending(child) is None
    run = first.run
    assert (run.child, run.region_code, run.as_of, run.state) == (child, VILLAGE_A, on, "done")
    assert run.children_screened == 1
    assert run.rule_versions["T02"] >= 1 and "$adult_age" in run.rule_versions
    assert set(Eligibility.objects.filter(child=child, until__isnull=True).values_list("code", flat=True)) == set(
        first.gained
    )
    assert Eligibility.objects.get(child=child, code="T02").found_by == run
    assert not Eligibility.objects.filter(child=neighbour).exists()  # one child, not its village
    summary = first.summary()
    assert summary.startswith("已即时筛查：新增符合 ") and "最低生活保障" in summary and "低保家庭儿童" in summary
    assert "T02" not in summary
    audit = AuditEvent.objects.get(action="screening.child")
    assert audit.object_id == str(run.pk) and audit.detail["child"] == child.pk
    assert audit.actor == personas["director_a"]

    # The child goes to primary school, attendance not recorded: T14 (out of school) is lost, and
    # T09 and T14 wait for attendance to be recorded.
    assert "T14" in first.gained
    _update(child, schooling={"stage": "primary"}, household=LOW_INCOME)
    second = screen_child(child=child, actor=None)
    assert (second.gained, second.lost) == ([], ["T14"])
    assert Eligibility.objects.get(child=child, code="T14").ended_by == second.run
    assert EligibilityChange.objects.filter(run=second.run, change=ChangeKind.LOST, code="T14").exists()
    assert Eligibility.objects.get(child=child, code="T02").until is None
    assert _pending(child) == _engine(child, on)
    assert second.undetermined == ruleset_on(on).decide(situation_on(child, on), on).undetermined
    assert set(second.undetermined) == {"T09", "T14"}
    assert second.summary() == (
        "已即时筛查：不再符合 控辍保学；待补充信息后可判定：教育资助、两免一补（缺是否在读）、控辍保学（缺是否在读）"
    )

    # A run of the region afterwards finds the child's results as they are: nothing new for it.
    region_run = run_screening(screening_request(actor=None, region_code=TOWNSHIP_A, as_of=on))
    assert not EligibilityChange.objects.filter(run=region_run, child=child).exists()
    # Runs of one child are the child's: not on the runs page nor the home panel's "latest run".
    shown = set(selectors.run_list(personas["admin"]).values_list("pk", flat=True))
    assert shown == {region_run.pk}
    assert selectors.latest_runs(personas["admin"]) == [region_run]
    assert latest_screening_date(child) == on
    assert ScreeningRun.objects.filter(child=child).count() == 2
