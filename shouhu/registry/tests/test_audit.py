"""Every write to the registry leaves its audit row, in the same transaction: the writes that had
none (confirming an import, a contact-only change, queueing potential duplicates) and one whose
state change and audit row were written apart (cancelling an import)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.registry import services
from shouhu.registry.duplicates import scan
from shouhu.registry.exchange import runs
from shouhu.registry.exchange.bulk import bulk_register
from shouhu.registry.exchange.format import ChildRecord, parse_record
from shouhu.registry.models import ImportRun, ImportState

from .example import EXAMPLE
from .io_helpers import register, varied_children
from .misc_helpers import DAY, child_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def previewed(actor: User) -> ImportRun:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in varied_children(2))
    upload = SimpleUploadedFile("r.jsonl", text.encode())
    run = runs.import_run_validate(runs.import_run_create(actor=actor, upload=upload, filename="r.jsonl"))
    assert run.state == ImportState.PREVIEWED
    return run


def test_confirming_an_import_is_audited(personas: dict[str, User]) -> None:
    actor = personas["supervisor_a"]
    run = runs.import_run_confirm(actor=actor, run=previewed(actor))
    event = AuditEvent.objects.get(action="children.import_confirm")
    assert event.actor == actor and event.object_id == str(run.pk)
    assert event.detail == {"rows": 2, "new": 2, "updated": 0}


def test_a_cancel_whose_audit_row_fails_leaves_the_preview_as_it_was(
    personas: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = personas["supervisor_a"]
    run = previewed(actor)

    def refuse(**_kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(runs.audit, "record", refuse)
    with pytest.raises(RuntimeError):
        runs.import_run_cancel(actor=actor, run=run)
    run.refresh_from_db()
    assert run.state == ImportState.PREVIEWED and runs.records_path(run).is_file()


def test_a_contact_only_change_is_audited_without_the_number(personas: dict[str, User]) -> None:
    actor = personas["supervisor_a"]
    child = register(actor, EXAMPLE)
    record, errors = parse_record(EXAMPLE)
    assert record is not None, errors
    changes = services.child_update(
        actor=actor, child=child, record=record, expected_version=child.version, phone="13800138000"
    )
    assert changes == []
    event = AuditEvent.objects.get(action="children.update", object_id=str(child.pk))
    assert event.detail["contact_changed"] == ["phone"] and "13800138000" not in json.dumps(event.detail)


def test_a_duplicates_scan_that_queues_pairs_is_audited_once() -> None:
    data = (child_data("张小明", "2015-03-15", 15), child_data("张晓明", "2015-03-15", 31, parents=[]))
    records = [parse_record(d, today=DAY)[0] for d in data]
    bulk_register(actor=None, records=[r for r in records if r is not None], effective=DAY)
    assert scan() == 1
    event = AuditEvent.objects.get(action="children.duplicates_queue")
    assert event.actor is None and event.detail == {"queued": 1}
    assert scan() == 0  # nothing queued, nothing logged
    assert AuditEvent.objects.filter(action="children.duplicates_queue").count() == 1


def test_registering_a_potential_duplicate_is_audited_by_the_system(personas: dict[str, User]) -> None:
    first = services.child_register(actor=None, record=record_of(child_data("张小明", "2015-03-15", 15)))
    second = services.child_register(
        actor=personas["caseworker"], record=record_of(child_data("张晓明", "2015-03-15", 31, parents=[]))
    )
    event = AuditEvent.objects.get(action="children.duplicates_queue")
    assert event.actor is None and event.detail == {"queued": 1, "child": second.pk}
    assert first.pk != second.pk


def record_of(data: dict[str, Any]) -> ChildRecord:
    record, errors = parse_record(data, today=DAY)
    assert record is not None, errors
    return record
