"""The set-wise bulk path writes exactly what registering one by one writes (both backends)."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.db import IntegrityError, connection

from shouhu.accounts.models import User
from shouhu.core import crypto
from shouhu.core.models import AuditEvent
from shouhu.registry import services
from shouhu.registry.exchange import bulk
from shouhu.registry.exchange.bulk import bulk_register
from shouhu.registry.exchange.format import ChildRecord, parse_record, record_to_dict
from shouhu.registry.generator import ChildGenerator, ensure_villages
from shouhu.registry.models import Child, Circumstance
from shouhu.registry.selectors import situation_on

from .example import EXAMPLE, example

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 28)
IGNORED_CHILD = {"id", "created_at", "updated_at", "id_number_index"}


def parsed(data: dict) -> ChildRecord:  # type: ignore[type-arg]
    record, errors = parse_record(data, today=DAY)
    assert record is not None, errors
    return record


def generated(count: int, seed: int = 7) -> list[ChildRecord]:
    return list(ChildGenerator(seed=seed, villages=ensure_villages(), today=DAY).records(count))


def test_the_columns_written_are_every_column_of_the_tables() -> None:
    def columns(model: type) -> set[str]:
        return {f.column for f in model._meta.concrete_fields}  # type: ignore[attr-defined]

    assert set(bulk.CHILD_COLUMNS) == columns(Child)
    assert set(bulk.CIRCUMSTANCE_COLUMNS) == columns(Circumstance) - {"id"}
    assert set(bulk.AUDIT_COLUMNS) == columns(AuditEvent) - {"id"}


def test_a_bulk_child_equals_one_registered_by_the_service(personas: dict[str, User]) -> None:
    actor = personas["caseworker"]
    one = services.child_register(actor=actor, record=parsed(EXAMPLE), effective=DAY)
    Child.objects.filter(pk=one.pk).update(id_number_index=None)  # free the ID number for the bulk copy
    [pk] = bulk_register(actor=actor, records=[parsed(EXAMPLE)], effective=DAY)
    one.refresh_from_db()
    two = Child.objects.get(pk=pk)
    fields = [f.attname for f in Child._meta.concrete_fields if f.attname not in IGNORED_CHILD]
    assert {f: getattr(two, f) for f in fields} == {f: getattr(one, f) for f in fields}
    assert two.id_number_index == crypto.blind_index("210522201503150015")
    assert two.id_number == "210522201503150015" and two.version == 1

    def facts(child: Child) -> list[tuple]:  # type: ignore[type-arg]
        return list(
            child.circumstances.order_by("kind").values_list(
                "kind", "valid_from", "valid_to", "flag", "status", "detail", "grade", "since", "until", "note",
                "recorded_by_id",
            )
        )  # fmt: skip

    assert facts(two) == facts(one) and facts(two)
    assert record_to_dict(situation_on(two, DAY)) == EXAMPLE
    event = AuditEvent.objects.get(action="children.import", object_id=str(pk))
    assert (event.actor_id, event.actor_label, event.object_type, event.summary, event.detail) == (
        actor.pk,
        actor.get_username(),
        "registry.child",
        "登记儿童 张小明",
        {},
    )
    assert two.created_at is not None and abs((two.created_at - one.created_at).total_seconds()) < 60


def test_a_child_without_an_id_number(personas: dict[str, User]) -> None:
    data = example(id_number=None, no_id_reason="未办理户口")
    [pk] = bulk_register(actor=None, records=[parsed(data)], effective=DAY)
    child = Child.objects.get(pk=pk)
    assert (child.id_number, child.id_number_index, child.id_number_masked) == (None, None, "")
    assert child.no_id_reason == "未办理户口" and child.created_by_id is None
    assert AuditEvent.objects.get(action="children.import", object_id=str(pk)).actor_label == "系统"


def test_ids_in_batches_are_new_and_never_reuse_a_deleted_childs(personas: dict[str, User]) -> None:
    records = generated(7)
    seen: list[int] = []
    first = bulk_register(actor=None, records=records[:5], effective=DAY, batch_size=2, on_progress=seen.append)
    assert seen == [2, 4, 5] and len(set(first)) == 5
    Child.objects.filter(pk=max(first)).delete()
    later = bulk_register(actor=None, records=records[5:], effective=DAY)
    assert min(later) > max(first)
    # The ordinary path still gets a fresh id after ids were reserved by the bulk path.
    more = services.child_register(actor=None, record=parsed(EXAMPLE), effective=DAY)
    assert more.pk > max(later)
    assert Child.objects.count() == 7
    assert AuditEvent.objects.filter(action="children.import").count() == 7
    for record, pk in zip(records[5:], later, strict=True):
        assert Child.objects.get(pk=pk).id_number == record.id_number


def test_facts_match_the_generated_records(personas: dict[str, User]) -> None:
    records = generated(300, seed=11)
    ids = bulk_register(actor=None, records=records, effective=DAY, batch_size=128)
    children = Child.objects.in_bulk(ids)
    for record, pk in zip(records, ids, strict=True):
        assert situation_on(children[pk], DAY) == record
    assert Circumstance.objects.filter(child_id__in=ids).count() > 300


def test_a_failing_batch_writes_nothing(personas: dict[str, User]) -> None:
    records = generated(5)
    with pytest.raises(IntegrityError):
        bulk_register(actor=None, records=[*records, records[0]], effective=DAY, batch_size=3)
    assert Child.objects.count() == 0 and Circumstance.objects.count() == 0
    assert not AuditEvent.objects.filter(action="children.import").exists()


def test_a_row_failing_while_its_batch_streams_writes_nothing(personas: dict[str, User]) -> None:
    """The rows go to the database as they are built (PostgreSQL: into an open COPY); a row that
    cannot be built halfway through a batch still leaves nothing behind, and the connection works."""
    records = generated(6)
    records[4] = dataclasses.replace(records[4], region_code="999999999999")  # no such region
    with pytest.raises(KeyError, match="999999999999"):
        bulk_register(actor=None, records=records, effective=DAY, batch_size=6)
    assert Child.objects.count() == 0 and Circumstance.objects.count() == 0
    assert not AuditEvent.objects.filter(action="children.import").exists()
    assert len(bulk_register(actor=None, records=generated(3, seed=8), effective=DAY)) == 3


def test_the_backend_path(personas: dict[str, User]) -> None:
    """PostgreSQL writes with COPY (psycopg 3), SQLite with executemany; both land the same rows."""
    with connection.cursor() as cursor:
        assert (getattr(cursor.cursor, "copy", None) is not None) == (connection.vendor == "postgresql")
    ids = bulk_register(actor=None, records=generated(3), effective=DAY)
    assert list(Child.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)) == sorted(ids)


def test_text_with_tabs_backslashes_and_newlines_survives(personas: dict[str, User]) -> None:
    from shouhu.core.request_context import RequestOrigin, current_origin

    agent = "Mozilla\\5.0\t(X11)\nline\r\\N"
    token = current_origin.set(RequestOrigin("10.0.0.1", agent))
    try:
        [pk] = bulk_register(actor=None, records=generated(1), effective=DAY)
    finally:
        current_origin.reset(token)
    event = AuditEvent.objects.get(action="children.import", object_id=str(pk))
    assert (event.ip_address, event.user_agent) == ("10.0.0.1", agent)


def _initials_two_calls(name: str) -> str:
    """pypinyin's own first-letter style, the reference for the everyday reading's initials."""
    from pypinyin import Style, lazy_pinyin

    return "".join(s[0].lower() for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if s)


@pytest.mark.parametrize("name", ["张小明", "单长江", "曾乐乐", "吕绿", "那英", "欧阳娜娜", "王A", "李·明", "朴智妍"])
def test_initials_agree_with_pypinyins_first_letters(name: str) -> None:
    from shouhu.registry.names import name_readings

    assert name_readings(name).initials_common == _initials_two_calls(name)


def test_initials_agree_for_every_generated_name(personas: dict[str, User]) -> None:
    from shouhu.registry.names import name_readings

    for record in generated(2000, seed=3):
        assert name_readings(record.name).initials_common == _initials_two_calls(record.name)
