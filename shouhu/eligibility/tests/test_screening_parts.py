"""Screening in township-sized parts: a run is split per township, each part is written in
one transaction entirely in SQL, parts can be taken again safely, and a part whose worker died is
put back on the queue when its lease runs out."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shouhu.accounts.personas import TOWNSHIP_B, VILLAGE_A, VILLAGE_B
from shouhu.eligibility.models import ChangeKind, Eligibility, EligibilityChange, RunState, ScreeningPart
from shouhu.eligibility.screening import (
    part_prefixes,
    plan_parts,
    requeue_expired_parts,
    run_screening,
    screen_part,
    screening_request,
)
from shouhu.eligibility.tasks import screen_part_task
from shouhu.registry.models import Child

from .eligibility_factories import disabled_child, today

pytestmark = pytest.mark.django_db
COUNTY = "210522000000"


def _two_townships() -> tuple[Child, Child]:
    on = today()
    return disabled_child(5, on, name="东关甲", region_code=VILLAGE_A), disabled_child(
        5, on, name="普乐乙", region_code=VILLAGE_B
    )


def test_a_county_run_is_split_per_township_and_adds_up() -> None:
    _two_townships()
    assert part_prefixes("210522") == ["210522100", "210522101"]
    assert part_prefixes("210522101") == ["210522101"]  # a township is one part
    run = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=today()))
    parts = list(run.parts.order_by("region_prefix"))
    assert [p.region_prefix for p in parts] == ["210522100", "210522101"]
    assert all(p.state == RunState.DONE and p.attempts == 1 for p in parts)
    assert (run.state, run.progress_done, run.progress_total) == (RunState.DONE, 2, 2)
    assert run.counts["T21"] == 2 and {p.counts["T21"] for p in parts} == {1}
    assert run.gained == sum(p.gained for p in parts) == Eligibility.objects.count()
    assert run.gained == EligibilityChange.objects.filter(run=run, change=ChangeKind.GAINED).count()
    assert sum(p.children_screened for p in parts) == run.children_screened == 2


def test_taking_a_finished_part_again_changes_nothing() -> None:
    _two_townships()
    run = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=today()))
    before = (Eligibility.objects.count(), EligibilityChange.objects.count())
    part = run.parts.first()
    assert part is not None and screen_part(part.pk) is None
    assert (Eligibility.objects.count(), EligibilityChange.objects.count()) == before
    part.refresh_from_db()
    assert part.attempts == 1


def test_a_township_run_closes_only_its_own_results() -> None:
    a, b = _two_townships()
    run_screening(screening_request(actor=None, region_code=COUNTY, as_of=today()))
    Child.objects.filter(pk__in=[a.pk, b.pk]).update(status="closed")
    later = run_screening(screening_request(actor=None, region_code=TOWNSHIP_B, as_of=today()))
    assert [p.region_prefix for p in later.parts.all()] == ["210522101"]
    ended = set(Eligibility.objects.filter(ended_by=later).values_list("child_id", flat=True))
    assert ended == {b.pk} and later.lost == Eligibility.objects.filter(ended_by=later).count()
    assert Eligibility.objects.filter(child=a, until__isnull=True).exists()  # not in this run's region


def test_a_part_left_running_past_its_lease_is_queued_again_then_fails() -> None:
    _two_townships()
    run = screening_request(actor=None, region_code=COUNTY, as_of=today())
    parts = plan_parts(run)
    dead = parts[0]
    # A worker took the part and died: the claim was committed, the work rolled back.
    ScreeningPart.objects.filter(pk=dead.pk).update(state=RunState.RUNNING, attempts=1)
    assert requeue_expired_parts(enqueue=screen_part_task.enqueue) == []  # its lease has not run out
    later = timezone.now() + datetime.timedelta(hours=1)
    requeued = requeue_expired_parts(now=later, enqueue=screen_part_task.enqueue)
    assert requeued == [dead.pk, parts[1].pk]  # the never-taken part too
    dead.refresh_from_db()
    assert dead.state == RunState.QUEUED
    assert dead.lease_expires_at is not None and dead.lease_expires_at > timezone.now()
    queued = DBTaskResult.objects.filter(task_path="shouhu.eligibility.tasks.screen_part_task")
    assert sorted(t.args_kwargs["args"][0] for t in queued) == sorted([dead.pk, parts[1].pk])
    finished = screen_part(dead.pk)
    assert finished is None and ScreeningPart.objects.get(pk=dead.pk).attempts == 2
    assert screen_part(parts[1].pk) is not None  # the last part finishes the run
    run.refresh_from_db()
    assert run.state == RunState.DONE and run.counts["T21"] == 2

    # Out of attempts: the part and its run fail with the reason.
    again = screening_request(actor=None, region_code=COUNTY, as_of=today())
    stuck = plan_parts(again)[0]
    ScreeningPart.objects.filter(pk=stuck.pk).update(state=RunState.RUNNING, attempts=3)
    requeue_expired_parts(now=later, enqueue=screen_part_task.enqueue)
    stuck.refresh_from_db()
    again.refresh_from_db()
    assert stuck.state == again.state == RunState.FAILED
    assert "3 次尝试均未完成" in again.error


def test_an_empty_region_finishes_at_once() -> None:
    run = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=today()))
    assert run.state == RunState.DONE and run.progress_total == 0
    assert run.counts["T21"] == 0 and run.gained == run.lost == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks: SQLite has one writer at a time, so two parts never hold the run at once",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_part_finishes_while_another_part_still_holds_the_run() -> None:
    """A part's results name its run, and on PostgreSQL their reference check holds the run's row
    FOR KEY SHARE until the part commits. Finishing a part must not wait for that: with FOR UPDATE
    two workers finishing at once deadlocked (the 1,000,000-child benchmark lost 6 of 13 parts)."""
    _two_townships()
    run = screening_request(actor=None, region_code=COUNTY, as_of=today())
    first, second = plan_parts(run)
    child = Child.objects.get(region_code=VILLAGE_B)
    holding, release = threading.Event(), threading.Event()

    def a_part_in_progress() -> None:  # what the second part's transaction holds while it writes
        try:
            with transaction.atomic():
                EligibilityChange.objects.create(run=run, child=child, code="T21", change=ChangeKind.GAINED)
                holding.set()
                release.wait(30)
                transaction.set_rollback(True)
        finally:
            connection.close()

    other = threading.Thread(target=a_part_in_progress)
    other.start()
    try:
        assert holding.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # a wait here is the bug: fail, do not hang
        try:
            assert screen_part(first.pk) is None  # done, and not the last part
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        release.set()
        other.join()
    first.refresh_from_db()
    assert first.state == RunState.DONE
    finished = screen_part(second.pk)
    assert finished is not None and (finished.state, finished.progress_done) == (RunState.DONE, 2)


def test_a_worker_announces_each_part_inside_its_transaction_once() -> None:
    """What other apps build on a part (casework's suggestions) hangs on `part_screened`: sent by
    the worker's task for each part inside the part's transaction, before the part is done (so
    what a receiver writes commits with the part), never again for a part already done, and not
    by in-process runs that do not ask for it (`demo load`, benchmarks)."""
    from shouhu.eligibility.signals import part_screened
    from shouhu.eligibility.tasks import screen_region

    _two_townships()
    heard: list[tuple[int, str, bool]] = []

    def listener(sender: object, part: ScreeningPart, **kwargs: object) -> int:
        state = ScreeningPart.objects.get(pk=part.pk).state
        heard.append((part.pk, state, connection.in_atomic_block))
        return 3

    part_screened.connect(listener, dispatch_uid="test.listener")
    try:
        run_screening(screening_request(actor=None, region_code=COUNTY, as_of=today()))
        assert heard == []
        run = screening_request(actor=None, region_code=COUNTY, as_of=today())
        screen_region.call(run.pk)
        parts = list(ScreeningPart.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))
        for part_id in parts:
            screen_part_task.call(part_id)
        screen_part_task.call(parts[0])
    finally:
        part_screened.disconnect(dispatch_uid="test.listener")
    assert heard == [(pk, RunState.RUNNING, True) for pk in parts]
    assert list(ScreeningPart.objects.filter(run=run).values_list("suggested", flat=True)) == [3, 3]


def test_a_receiver_that_fails_leaves_the_part_undone_and_it_is_taken_again_whole() -> None:
    """A failure in what a part's announcement does (here a receiver that raises, as a crash in
    drafting would) rolls the whole part back: no results, not done; the next attempt writes both."""
    from shouhu.eligibility.signals import part_screened

    _two_townships()
    run = screening_request(actor=None, region_code=COUNTY, as_of=today())
    part = plan_parts(run)[0]
    failing = True

    def listener(sender: object, part: ScreeningPart, **kwargs: object) -> int:
        if failing:
            raise RuntimeError("磁盘已满")
        return 100

    part_screened.connect(listener, dispatch_uid="test.failing")
    try:
        with pytest.raises(RuntimeError):
            screen_part(part.pk, announce=True)
        part.refresh_from_db()
        assert (part.state, part.attempts, part.error) == (RunState.QUEUED, 1, "磁盘已满")
        assert not EligibilityChange.objects.filter(run=run).exists()
        failing = False
        screen_part(part.pk, announce=True)
    finally:
        part_screened.disconnect(dispatch_uid="test.failing")
    part.refresh_from_db()
    # 100 from this receiver, and whatever casework's own receiver drafted with it.
    assert (part.state, part.attempts) == (RunState.DONE, 2) and part.suggested >= 100
    assert EligibilityChange.objects.filter(run=run, child__region_code__startswith=part.region_prefix).exists()
