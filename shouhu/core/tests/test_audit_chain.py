"""The audit log's hash chains (`core/chain.py`) and `shouhu audit verify`."""

from __future__ import annotations

import datetime
import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.core import audit, chain
from shouhu.core.models import AuditChainHead, AuditEvent
from shouhu.core.request_context import RequestOrigin, current_origin
from shouhu.core.testing.processes import scratch_database, shouhu_process, shouhu_run

pytestmark = pytest.mark.django_db


def write_on(day: datetime.date, count: int, *, actor: User | None = None) -> list[AuditEvent]:
    """`count` rows written as `record` writes them, at noon of `day` (a test cannot wait a day)."""
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    rows = []
    for i in range(count):
        event = audit._event(at, actor, "test.chain", "", str(i), f"第 {i + 1} 条", {"i": i, "tuple": (1, 2)})
        with chain.appending(event.partition) as links:
            links.link(event)
            event.save()
        rows.append(event)
    return rows


def verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = int(exit.code or 0)
    return code, out.getvalue(), err.getvalue()


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def edit_detail(event: AuditEvent, detail: dict[str, object]) -> None:
    value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    raw(f"UPDATE core_auditevent SET detail = {value} WHERE id = %s", [json.dumps(detail), event.pk])  # noqa: S608


def delete(event: AuditEvent) -> None:
    raw("DELETE FROM core_auditevent WHERE id = %s", [event.pk])


DAY1, DAY2 = datetime.date(2026, 3, 1), datetime.date(2026, 3, 2)


def test_rows_are_linked_in_order_and_verify_counts_them(personas: dict[str, User]) -> None:
    token = current_origin.set(RequestOrigin(ip_address="::ffff:10.0.0.7", user_agent="测试"))
    try:
        first = audit.record(actor=personas["admin"], action="users.update", summary="一", detail={"b": 1, "a": [1]})
        second = audit.record(actor=None, action="login_failed", summary="二")
        many = audit.record_many(actor=personas["caseworker"], action="children.view", targets=[(first, "三")] * 3)
    finally:
        current_origin.reset(token)
    assert many == 3
    assert first.partition == timezone.localdate().isoformat()
    rows = list(AuditEvent.objects.filter(partition=first.partition, lane=first.lane).order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == ""
    assert all(b.prev_hash == a.row_hash for a, b in itertools.pairwise(rows))
    assert second.prev_hash == first.row_hash and len(first.row_hash) == 64
    head = AuditChainHead.objects.get(partition=first.partition, lane=first.lane)
    assert (head.seq, head.last_hash) == (rows[-1].seq, rows[-1].row_hash)
    # What was hashed is what the database gives back (dict order, the address's form).
    stored = AuditEvent.objects.get(pk=first.pk)
    assert chain.digest(stored.partition, stored.lane, stored.seq or 0, stored.prev_hash, chain.content_of(stored)) == (
        first.row_hash
    )
    code, out, err = verify()
    assert code == 0 and err == ""
    assert f"共 {AuditEvent.objects.count()} 条记录" in out and "审计日志校验通过" in out


def test_verify_finds_an_edited_row_and_a_deleted_row() -> None:
    day1, day2 = write_on(DAY1, 4), write_on(DAY2, 4)
    today = write_on(timezone.localdate(), 2)
    assert verify()[0] == 0
    edit_detail(day1[1], {"i": 99})  # the detail of a row changed in the database, by hand
    delete(day2[2])
    code, out, err = verify()
    assert code == 1 and "校验通过" not in out
    assert f"2026-03-01 第 0 道第 2 条（记录编号 {day1[1].pk}）的内容与其哈希不符：记录被修改" in err
    assert f"2026-03-02 第 0 道缺少第 3 条（在记录编号 {day2[3].pk} 之前）：记录被删除" in err
    assert "2 处断开" in err
    assert today[0].partition not in err  # today's chain holds


def test_verify_reports_the_first_broken_link_of_a_chain() -> None:
    rows = write_on(DAY1, 5)
    delete(rows[3])
    edit_detail(rows[1], {"i": "改"})
    code, _, err = verify()
    assert code == 1
    assert f"第 2 条（记录编号 {rows[1].pk}）的内容与其哈希不符" in err
    assert "缺少" not in err  # the later break of the same chain is not the first


def test_verify_finds_the_last_row_deleted_and_rows_slipped_in() -> None:
    rows = write_on(DAY1, 3)
    delete(rows[2])
    _, _, err = verify()
    assert "2026-03-01 第 0 道链头记有 3 条，现只有 2 条：末尾的记录被删除" in err

    # Someone who knows the hash appends a well-formed link after the head: the head tells.
    others = write_on(DAY2, 2)
    forged = AuditEvent(at=others[0].at, action="login", summary="伪造", partition=others[0].partition)
    forged_chain = chain.OpenChain(others[1].partition, others[1].lane, others[1].seq or 0, others[1].row_hash)
    forged_chain.link(forged)
    AuditEvent.objects.bulk_create([forged])
    # And a row written past the writer, in no chain at all.
    [outside] = AuditEvent.objects.bulk_create([AuditEvent(at=others[0].at, action="login", summary="链外")])
    _, _, err = verify()
    assert "2026-03-02 第 0 道链头记有 2 条，现有 3 条：链尾之后插入了记录" in err
    assert f"2026-03-02 有 1 条记录不在任何链中（记录编号 {outside.pk}）：在链外写入" in err


def test_a_replaced_row_breaks_the_link_to_the_next_one() -> None:
    rows = write_on(DAY1, 3)
    # The row's content changed and its own hash recomputed: the next row no longer points at it.
    edit_detail(rows[1], {"i": "改"})
    stored = AuditEvent.objects.get(pk=rows[1].pk)
    new_hash = chain.digest(stored.partition, 0, 2, stored.prev_hash, chain.content_of(stored))
    raw("UPDATE core_auditevent SET row_hash = %s WHERE id = %s", [new_hash, rows[1].pk])
    _, _, err = verify()
    assert f"第 3 条（记录编号 {rows[2].pk}）与前一条的哈希接不上" in err


def test_since_checks_only_that_day_and_later() -> None:
    old, new = write_on(DAY1, 2), write_on(DAY2, 3)
    delete(old[0])
    assert verify()[0] == 1
    code, out, _ = verify("--since", "2026-03-02", "--chains")
    assert code == 0
    assert "2026-03-02 第 0 道：3 条，最后一条哈希 " + new[-1].row_hash in out
    assert "2026-03-01" not in out
    with pytest.raises(Exception, match="「--since」应为日期"):
        call_command("audit", "verify", "--since", "3月2日")


def test_bulk_registration_chains_its_rows(personas: dict[str, User]) -> None:
    from shouhu.registry.exchange.bulk import bulk_register
    from shouhu.registry.tests.test_bulk import DAY, generated

    audit.record(actor=personas["admin"], action="test.before", summary="之前")
    ids = bulk_register(actor=personas["caseworker"], records=generated(5), effective=DAY, batch_size=2)
    rows = AuditEvent.objects.filter(action="children.import", object_id__in=[str(i) for i in ids])
    assert rows.count() == 5 and not rows.filter(seq__isnull=True).exists()
    audit.record(actor=personas["admin"], action="test.after", summary="之后")
    assert verify()[0] == 0


def test_the_migration_chains_rows_written_before_the_chain() -> None:
    from importlib import import_module

    migration = import_module("shouhu.core.migrations.0004_chain_existing_audit_rows")
    at = datetime.datetime(2025, 12, 31, 23, 59, tzinfo=timezone.get_current_timezone())
    AuditEvent.objects.bulk_create(
        [AuditEvent(at=at + datetime.timedelta(minutes=m), action="login", detail={"m": m}) for m in range(3)]
    )
    assert verify()[0] == 1  # in no chain yet
    state = MigrationLoader(connection).project_state(("core", "0004_chain_existing_audit_rows"))
    migration.chain_existing(state.apps, None)
    migration.chain_existing(state.apps, None)  # again: nothing changes
    code, out, _ = verify("--chains")
    assert code == 0
    assert "2025-12-31 第 0 道：1 条" in out and "2026-01-01 第 0 道：2 条" in out  # days in Beijing time


def test_writers_in_separate_processes_keep_every_chain_whole(tmp_path: Path) -> None:
    """Three processes write at once, each row in its own transaction, one of them also holding a
    long transaction with rows in it; afterwards every chain holds and no row is lost."""
    writer = (
        "from django.db import transaction\n"
        "from shouhu.core import audit\n"
        "import time\n"
        "for i in range({n}):\n"
        "    with transaction.atomic():\n"
        "        audit.record(actor=None, action='test.concurrent', summary='{who} %d' % i)\n"
        "        time.sleep({pause})\n"
        "print('done')\n"
    )
    with scratch_database(tmp_path, migrated=True) as url:
        procs = [
            shouhu_process(["shell", "-c", writer.format(n=40, who="甲", pause=0)], url),
            shouhu_process(["shell", "-c", writer.format(n=40, who="乙", pause=0)], url),
            shouhu_process(["shell", "-c", writer.format(n=2, who="丙", pause=1.5)], url),
        ]
        outputs = [p.communicate(timeout=180)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], outputs
        out = shouhu_run(["audit", "verify", "--chains"], url)
        assert "审计日志校验通过" in out and "共 82 条记录" in out, out
        if "postgres" in url:  # the long transaction held one lane; the others wrote beside it
            assert " 第 1 道：" in out, out
        count = shouhu_run(
            [
                "shell",
                "-c",
                "from shouhu.core.models import AuditEvent as A; "
                "print(A.objects.filter(action='test.concurrent').count())",
            ],
            url,
        )
        assert count.strip().splitlines()[-1] == "82"
