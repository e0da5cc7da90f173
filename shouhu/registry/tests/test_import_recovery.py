"""Import runs hold a lease while they are checked or written: a run whose process died is checked
again, or — when it died writing — failed with nothing written, for its user to import again or
abandon from the import page. (Real workers killed with SIGKILL: test_import_workers.py.)"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.registry.exchange import runs
from shouhu.registry.models import Child, ImportRun, ImportState

from .io_helpers import varied_children
from .test_import_views import confirm, jsonl, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def later(seconds: int = 1) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def no_enqueue(run_id: int) -> None:
    raise AssertionError("nothing should be queued")


def previewed(client: Client, rows: int = 3) -> ImportRun:
    run = upload(client, jsonl(list(varied_children(rows))))
    assert run.state == ImportState.PREVIEWED and run.attempts == 1 and run.lease_expires_at is None
    return run


def stuck_committing(client: Client, user: User) -> ImportRun:
    """A run confirmed, whose commit never finished (its process died): confirmed, not committed."""
    run = runs.import_run_confirm(actor=user, run=previewed(client))
    assert run.state == ImportState.COMMITTING and run.attempts == 2
    return run


def test_a_commit_whose_lease_ran_out_fails_for_its_user_to_import_again(login: Any, personas: dict[str, User]) -> None:
    client = login("supervisor_a")
    run = stuck_committing(client, personas["supervisor_a"])
    # Within its lease the run is left alone, and it cannot be confirmed or cancelled.
    assert runs.recover_expired_runs(enqueue_validation=no_enqueue) == {"requeued": 0, "failed": 0}
    assert "正在导入" in client.get(f"/children/io/import/{run.pk}/").content.decode()
    assert runs.recover_expired_runs(later(601), enqueue_validation=no_enqueue) == {"requeued": 0, "failed": 1}
    run.refresh_from_db()
    assert (run.state, run.retryable, run.lease_expires_at) == (ImportState.FAILED, True, None)
    assert "未写入任何数据" in run.message
    event = AuditEvent.objects.get(action="children.import_interrupted")
    assert event.actor is None and event.object_id == str(run.pk) and "中断" in event.summary
    page = client.get(f"/children/io/import/{run.pk}/").content.decode()
    assert "导入中断，未写入任何数据" in page and "重新导入" in page and "放弃这次导入" in page
    # Only its user may import it again.
    other = login("director_a")
    assert other.post(f"/children/io/import/{run.pk}/confirm/").status_code in (302, 403, 404)
    run.refresh_from_db()
    assert run.state == ImportState.FAILED and Child.objects.count() == 0
    run = confirm(client, run)  # queued by the page, committed by the worker
    assert (run.state, run.new_count, run.retryable, run.attempts) == (ImportState.DONE, 3, False, 3)
    assert Child.objects.count() == 3
    assert AuditEvent.objects.filter(action="children.import_retry", actor=personas["supervisor_a"]).count() == 1
    # Done is done: neither a second retry nor the sweep changes anything.
    client.post(f"/children/io/import/{run.pk}/confirm/")
    assert runs.recover_expired_runs(later(601), enqueue_validation=no_enqueue) == {"requeued": 0, "failed": 0}
    assert Child.objects.count() == 3


def test_an_interrupted_commit_can_be_abandoned(login: Any, personas: dict[str, User]) -> None:
    client = login("supervisor_a")
    run = stuck_committing(client, personas["supervisor_a"])
    runs.recover_expired_runs(later(601), enqueue_validation=no_enqueue)
    assert client.post(f"/children/io/import/{run.pk}/cancel/").status_code == 302
    run.refresh_from_db()
    assert (run.state, run.retryable, run.message) == (ImportState.FAILED, False, "已取消，未写入任何数据")
    assert not runs.records_path(run).exists()
    page = client.get(f"/children/io/import/{run.pk}/").content.decode()
    assert "重新导入" not in page and "重新上传" in page
    client.post(f"/children/io/import/{run.pk}/confirm/")  # refused now
    run.refresh_from_db()
    assert run.state == ImportState.FAILED and Child.objects.count() == 0


def test_a_check_whose_lease_ran_out_is_queued_again_then_given_up(login: Any, personas: dict[str, User]) -> None:
    client = login("supervisor_a")
    run = upload(client, jsonl(list(varied_children(2))))
    # As a dead worker leaves it: taken for checking (ticket 1), never finished.
    ImportRun.objects.filter(pk=run.pk).update(state=ImportState.VALIDATING, lease_expires_at=timezone.now())
    queued: list[int] = []
    assert runs.recover_expired_runs(later(), enqueue_validation=queued.append) == {"requeued": 1, "failed": 0}
    run.refresh_from_db()
    assert queued == [run.pk] and run.state == ImportState.UPLOADED
    # The task the registry's sweep queues is the real one.
    from shouhu.registry.tasks import recover_import_runs

    ImportRun.objects.filter(pk=run.pk).update(state=ImportState.VALIDATING, lease_expires_at=timezone.now())
    before = DBTaskResult.objects.count()
    recover_import_runs.call()
    assert DBTaskResult.objects.count() == before + 1
    assert "validate_import" in DBTaskResult.objects.order_by("-enqueued_at").first().task_path  # type: ignore[union-attr]
    # Checked again, it is previewed with a new ticket.
    run.refresh_from_db()
    runs.import_run_validate(run)
    run.refresh_from_db()
    assert (run.state, run.attempts, run.new_count) == (ImportState.PREVIEWED, 2, 2)
    # A run whose every attempt died is failed, for its user to upload again.
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportState.VALIDATING, attempts=3, lease_expires_at=timezone.now()
    )
    assert runs.recover_expired_runs(later(), enqueue_validation=no_enqueue) == {"requeued": 0, "failed": 1}
    run.refresh_from_db()
    assert (run.state, run.retryable) == (ImportState.FAILED, False) and "请重新上传" in run.message
    assert AuditEvent.objects.filter(action="children.import_interrupted", object_id=str(run.pk)).count() == 3


def test_a_process_that_lost_its_run_writes_nothing_more(login: Any, personas: dict[str, User]) -> None:
    """A slow check whose lease ran out was taken again: what the first process then finishes is
    dropped (its ticket is old), and a commit that lost its run rolls back."""
    client = login("supervisor_a")
    run = upload(client, jsonl(list(varied_children(2))))
    ImportRun.objects.filter(pk=run.pk).update(state=ImportState.UPLOADED)
    run.refresh_from_db()
    assert runs._claim(run, expected=ImportState.UPLOADED, to=ImportState.VALIDATING)
    slow = ImportRun.objects.get(pk=run.pk)  # the first process's view: ticket 2
    ImportRun.objects.filter(pk=run.pk).update(attempts=3)  # another process took it since
    with pytest.raises(runs.LeaseLost):
        runs._renew(slow, progress=1)
    run = stuck_committing(client, personas["supervisor_a"])
    late = ImportRun.objects.get(pk=run.pk)
    runs.recover_expired_runs(later(601), enqueue_validation=no_enqueue)
    late = runs.import_run_commit(late)  # it still thinks it is committing
    assert (late.state, late.retryable) == (ImportState.FAILED, True) and Child.objects.count() == 0
