"""The notice pages per persona: the police officer records a detention for an unregistered child
through the form (one block per child), errors are shown at the child's field, the township sees
only its notices, the release form is only the recording unit's."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A
from shouhu.casework.tests.walk_samples import id_number
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.custody.models import CustodyNotice
from shouhu.registry.models import Circumstance
from shouhu.safeguarding.models import SafetyCase

from .factories import FATHER_ID, child_input, record

pytestmark = pytest.mark.django_db


def _form(**changes: str) -> dict[str, str]:
    on = today()
    data = {
        "kind": "criminal_detention",
        "person_name": "韩大山",
        "person_id_number": FATHER_ID,
        "parent_role": "father",
        "since": (on - datetime.timedelta(days=1)).isoformat(),
        "until": "",
        "children_need_care": "yes",
        "child-TOTAL_FORMS": "3",
        "child-INITIAL_FORMS": "3",
        "child-0-name": "韩小北",
        "child-0-sex": "male",
        "child-0-birth_date": "2018-04-05",
        "child-0-region": VILLAGE_A,
        "child-0-arrangement": "no_carer",
    }
    data.update(changes)
    return data


def test_the_police_record_a_notice_for_an_unregistered_child(login: Any, personas: dict[str, User]) -> None:
    client = login("officer_p")
    page = client.get("/custody/notices/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "刑事拘留" in html and "服刑" not in html.split('name="kind"')[1].split("</select>")[0]
    assert 'data-testid="child-2"' in html  # three blocks, the last two optional
    response = client.post("/custody/notices/new/", _form())
    assert response.status_code == 302
    notice = CustodyNotice.objects.get()
    entry = notice.children.select_related("child").get()
    assert entry.registered and entry.child.name == "韩小北"
    assert Circumstance.objects.get(child=entry.child, kind="father", valid_to__isnull=True).status == "detained"
    assert SafetyCase.objects.get(child=entry.child).state == "received"
    shown = client.get(response["Location"]).content.decode()
    assert notice.reference in shown and "暂无合适照料人" in shown and 'data-testid="release-form"' in shown


def test_errors_are_shown_at_the_childs_field_and_nothing_is_written(login: Any) -> None:
    client = login("officer_p")
    response = client.post(
        "/custody/notices/new/",
        _form(**{"child-1-name": "韩小二", "child-1-region": VILLAGE_A, "child-1-arrangement": "relative"}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="child-1-errors"' in html and 'data-testid="child-0-errors"' not in html
    assert "第 2 名子女的「照料人姓名」不能为空" in html
    assert "第 2 名子女的「性别」不能为空" in html
    assert not CustodyNotice.objects.exists()


def test_the_justice_bureau_records_only_its_kinds_and_other_units_have_no_form(login: Any) -> None:
    response = login("officer_j").post("/custody/notices/new/", _form())
    assert response.status_code == 200 and "刑事拘留不由您的单位登记" not in response.content.decode()
    assert 'data-testid="error-kind"' in response.content.decode()  # not one of the unit's kinds
    assert login("officer_a").get("/custody/notices/new/").status_code == 404
    assert login("supervisor_a").get("/custody/notices/new/").status_code == 403
    assert not CustodyNotice.objects.exists()


def test_the_list_is_scoped_and_audited(login: Any, personas: dict[str, User]) -> None:
    a = record(personas["officer_p"])
    b = record(personas["officer_j"], child_input(id_number=id_number("20160405", 82, male=False), name="白小雪",
               region_code="210522101201"), kind="imprisonment", parent_role="mother")  # fmt: skip
    for key, mine, other in (("officer_p", a, b), ("supervisor_b", b, a), ("caseworker", a, None)):
        html = login(key).get("/custody/notices/").content.decode()
        assert mine.reference in html, key
        if other is not None:
            assert other.reference not in html, key
    assert login("officer_a").get("/custody/notices/").status_code == 404
    assert login("director_a").get("/custody/notices/").status_code == 403
    listed = AuditEvent.objects.filter(action="custody.notice_list", actor=personas["caseworker"]).get()
    assert set(listed.detail["notices"]) == {a.reference, b.reference}
    due = login("caseworker").get("/custody/notices/?state=due").content.decode()
    assert a.reference not in due  # 60 days ahead


def test_the_notice_page_and_the_release(login: Any, personas: dict[str, User]) -> None:
    notice = record(personas["officer_p"], since=today() - datetime.timedelta(days=3))
    page = login("supervisor_a").get(f"/custody/notices/{notice.pk}/").content.decode()
    assert "韩小北" in page and 'data-testid="release-form"' not in page  # the township sees, does not release
    assert f"/children/{notice.children.get().child_id}/" in page  # and may open the child's record
    officer_page = login("officer_p").get(f"/custody/notices/{notice.pk}/").content.decode()
    assert f"/children/{notice.children.get().child_id}/" not in officer_page  # no registry access
    assert login("supervisor_b").get(f"/custody/notices/{notice.pk}/").status_code == 404
    response = login("officer_p").post(
        f"/custody/notices/{notice.pk}/release/", {"released_on": today().isoformat(), "version": "1"}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.released_on == today()
    again = login("officer_p").post(
        f"/custody/notices/{notice.pk}/release/", {"released_on": today().isoformat(), "version": "1"}
    )
    assert again.status_code == 409 and "已被他人更新" in again.content.decode()


def test_home_panels(login: Any, personas: dict[str, User]) -> None:
    notice = record(personas["officer_p"], until=today() + datetime.timedelta(days=20))
    officer = login("officer_p").get("/").content.decode()
    assert "拘留、服刑人员子女" in officer and notice.reference in officer and "/custody/notices/new/" in officer
    supervisor = login("supervisor_a").get("/").content.decode()
    assert "父母即将释放的儿童" in supervisor and notice.reference in supervisor
    assert "拘留服刑通知" in supervisor  # the navigation
    other = login("officer_a").get("/").content.decode()
    assert "拘留服刑通知" not in other and "拘留、服刑人员子女" not in other
