"""The actual release ends the status the notice wrote (back to the fact before it, or not
recorded), once; a month before the expected release the township is reminded exactly once per
child, however often the daily job runs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks_db.models import DBTaskResult

from shouhu.accounts.models import User
from shouhu.casework.tests.walk_samples import child
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent, Notification
from shouhu.core.periodic import registered_jobs
from shouhu.custody import services
from shouhu.custody.models import ReleaseReminder
from shouhu.custody.tasks import release_reminders
from shouhu.registry.models import Circumstance

from .factories import child_input, record

pytestmark = pytest.mark.django_db
ALIVE = [{"role": "father", "status": "alive"}, {"role": "mother", "status": "alive"}]


def _father(child_id: int) -> Circumstance | None:
    return Circumstance.objects.filter(child_id=child_id, kind="father", valid_to__isnull=True).first()


def test_release_restores_the_fact_before_the_notice(personas: dict[str, User]) -> None:
    kid = child("韩小北", "20170602", 77, parents=ALIVE)
    notice = record(personas["officer_p"], since=today() - datetime.timedelta(days=5))
    services.release_record(
        actor=personas["officer_p"], notice=notice, released_on=today(), expected_version=notice.version
    )
    father = _father(kid.pk)
    assert father is not None and father.status == "alive" and father.valid_from == today()
    assert father.source == notice.source  # the history says the release came from the notice
    detained = Circumstance.objects.get(child=kid, kind="father", status="detained")
    assert detained.valid_to == today() - datetime.timedelta(days=1)
    notice.refresh_from_db()
    assert notice.released_on == today() and notice.released_by == personas["officer_p"]
    assert notice.children.get().release_note == "已恢复为羁押前的状况"
    assert AuditEvent.objects.filter(action="custody.release_record", object_id=str(notice.pk)).exists()
    with pytest.raises(services.NoticeChangedError):  # recorded once
        services.release_record(
            actor=personas["officer_p"], notice=notice, released_on=today(), expected_version=notice.version
        )


def test_release_of_a_parent_whose_status_was_not_recorded_leaves_it_not_recorded(
    personas: dict[str, User],
) -> None:
    notice = record(personas["officer_p"], since=today())  # an unregistered child: no prior fact
    entry = notice.children.get()
    assert entry.registered and entry.prior_fact is None
    services.release_record(actor=personas["officer_p"], notice=notice, released_on=today(), expected_version=1)
    # Released the day it began: the status ends the day after, never "查找不到".
    assert _father(entry.child_id) is None
    ended = Circumstance.objects.get(child_id=entry.child_id, kind="father", status="detained")
    assert ended.valid_to == today()
    assert notice.children.get().release_note == "父母状况改为未填写，待乡镇核实"


def test_a_status_someone_changed_since_is_left_alone(personas: dict[str, User]) -> None:
    kid = child("韩小北", "20170602", 77, parents=ALIVE)
    notice = record(personas["officer_p"], since=today() - datetime.timedelta(days=5))
    from shouhu.registry.facts import Fact
    from shouhu.registry.services import fact_record

    fact_record(
        actor=personas["supervisor_a"],
        child=kid,
        kind="father",
        fact=Fact(status="deceased"),
        effective=today(),
        source="township:visit",
    )
    services.release_record(actor=personas["officer_p"], notice=notice, released_on=today(), expected_version=1)
    father = _father(kid.pk)
    assert father is not None and father.status == "deceased"
    assert notice.children.get().release_note == "父母状况已由他人更新，未改动"


def test_only_the_recording_unit_records_the_release_and_not_in_the_future(personas: dict[str, User]) -> None:
    notice = record(personas["officer_p"])
    with pytest.raises(PermissionDenied):
        services.release_record(actor=personas["officer_j"], notice=notice, released_on=today(), expected_version=1)
    with pytest.raises(ValidationError) as caught:
        services.release_record(
            actor=personas["officer_p"],
            notice=notice,
            released_on=today() + datetime.timedelta(days=1),
            expected_version=1,
        )
    assert caught.value.message_dict["released_on"] == ["「实际释放（解除）日期」不能晚于今天"]


def test_the_reminder_fires_once_a_month_before_the_release(
    personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=personas["supervisor_a"].pk).update(phone="13900000002")
    release = today() + datetime.timedelta(days=45)
    notice = record(personas["officer_p"], until=release)
    assert services.remind_releases(on=today()) == 0  # 45 days ahead: not yet
    on = release - datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert release_reminders.call(on=on.isoformat()) == {"reminded": 1}
    assert release_reminders.call(on=on.isoformat()) == {"reminded": 0}  # the job again
    assert services.remind_releases(on=on + datetime.timedelta(days=1)) == 0  # and the next day
    reminder = ReleaseReminder.objects.get()
    assert reminder.notice_child.notice == notice and reminder.release_on == release
    bell = Notification.objects.filter(kind="custody.release_due")
    assert [n.recipient.username for n in bell] == ["supervisor_a"]
    assert notice.reference in bell.get().title and "韩小北" not in bell.get().title
    sms = [str(r.args_kwargs) for r in DBTaskResult.objects.all() if "13900000002" in str(r.args_kwargs)]
    assert len(sms) == 1 and notice.reference in sms[0] and "韩" not in sms[0]
    assert registered_jobs()["custody.release_reminders"].every == datetime.timedelta(days=1)


def test_a_notice_recorded_late_is_reminded_at_once_and_a_released_one_never(personas: dict[str, User]) -> None:
    late = record(personas["officer_p"], until=today() + datetime.timedelta(days=10))
    released = record(
        personas["officer_p"],
        child_input(id_number="", name="韩小丁", sex="female", birth_date=datetime.date(2019, 5, 5)),
        until=today() + datetime.timedelta(days=10),
        person_name="韩二山",
    )
    services.release_record(actor=personas["officer_p"], notice=released, released_on=today(), expected_version=1)
    assert services.remind_releases(on=today()) == 1
    assert ReleaseReminder.objects.get().notice_child.notice == late
