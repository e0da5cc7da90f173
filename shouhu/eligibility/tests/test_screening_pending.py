"""What screening leaves on the 待补充信息 worklist (`PendingFacts`), run by run."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from shouhu.accounts.personas import TOWNSHIP_A, VILLAGE_B
from shouhu.eligibility.models import PendingFacts
from shouhu.eligibility.rules import ruleset_on
from shouhu.eligibility.screening import run_screening, screening_request
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
    record, errors = parse_record(data, today=today() + datetime.timedelta(days=3650))
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
