"""Where people enter the facts that can be not recorded (exchange format v2: parents, the guardian
and school attendance), "未填写" is its own choice and the default, distinct from 查找不到, 无人照料
and 未在读; editing and correcting show it; and changing a recorded fact to 未填写 closes its row.
(The xlsx layout: test_not_recorded_layout.py.)"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse

from shouhu.accounts.models import User
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.facts import NOBODY
from shouhu.registry.forms.child import ChildForm, initial_from_record
from shouhu.registry.models import Child, Circumstance
from shouhu.registry.selectors import situation_on

from .example import example
from .io_helpers import register as register_data
from .ui_factories import form_data, register, today

pytestmark = pytest.mark.django_db
# The registration form as a person sends it who fills in only the identity: every other field
# at the form's default.
IDENTITY_ONLY = {k: form_data()[k] for k in ("name", "sex", "birth_date", "id_number", "region_code")}


def post_new(login: Any, data: dict[str, str]) -> Child:
    response = login("director_a").post("/children/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Child.objects.get()


def kinds(child: Child) -> set[str]:
    return set(child.circumstances.filter(valid_to__isnull=True).values_list("kind", flat=True))


def selected(html: str, name: str) -> str:
    """The value of the option selected in the select `name` ("" when none is)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    option = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(1))
    return option.group(1) if option else ""


def without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


# -- the form's choices and defaults ---------------------------------------------------------


def test_a_new_childs_form_starts_at_not_recorded_and_says_what_it_means(login: Any) -> None:
    html = login("director_a").get("/children/new/").content.decode()
    for name in ("father_status", "mother_status", "guardian_relationship", "guardian_able", "school_stage"):
        assert selected(html, name) == "not_recorded", name
    assert selected(html, "school_enrolled") == "not_recorded"
    father = re.search(r'<select name="father_status".*?</select>', html, re.S).group(0)  # type: ignore[union-attr]
    assert '<option value="not_recorded" selected>未填写</option>' in father
    assert '<option value="unknown">查找不到（查找不到生父母）</option>' in father
    guardian = re.search(r'<select name="guardian_relationship".*?</select>', html, re.S).group(0)  # type: ignore[union-attr]
    assert '<option value="none">无人照料（没有实际监护人）</option>' in guardian
    enrolled = re.search(r'<select name="school_enrolled".*?</select>', html, re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r">([^<]+)</option>", enrolled) == ["未填写", "在读", "未在读"]
    able = re.search(r'<select name="guardian_able".*?</select>', html, re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r">([^<]+)</option>", able) == ["未填写", "有", "无"]
    # The help text says what 未填写 and the recorded choices beside it mean.
    assert "系统不会据此认定孤儿" in html and "经查找确实找不到生父母（会据此认定）" in html
    assert "系统不会据此认定辍学" in html and "已核实没有人实际照料儿童" in html
    # Attendance is hidden while the stage is 未填写 or 未入学, the ability while nobody is chosen.
    assert 'data-field="school_enrolled" data-show-field="school_stage" data-show-values="not_recorded none"' in html
    assert (
        'data-field="guardian_able" data-show-field="guardian_relationship" data-show-values="not_recorded none"'
        in (html)
    )


# -- registering -----------------------------------------------------------------------------


def test_registered_at_the_defaults_the_parents_guardian_and_schooling_are_not_recorded(login: Any) -> None:
    # With the old form the parents' default recorded nothing (read as orphaned under v1), the
    # guardian's recorded "nobody" and the stage's recorded 未入学.
    child = post_new(login, IDENTITY_ONLY)
    assert not kinds(child) & {"father", "mother", "guardian", "schooling"}
    record = situation_on(child, today())
    assert record.not_recorded() == ("parents.father", "parents.mother", "schooling.enrolled", "guardian")


def test_registered_with_the_selects_left_out_nothing_is_recorded_either(login: Any) -> None:
    """A post without these fields at all (an old page, a script) records nothing for them."""
    data = {**IDENTITY_ONLY, "father_status": "", "guardian_relationship": "", "school_stage": ""}
    child = post_new(login, data)
    assert not kinds(child) & {"father", "mother", "guardian", "schooling"}


def test_cha_zhao_bu_dao_is_recorded_as_unknown(login: Any) -> None:
    child = post_new(login, {**IDENTITY_ONLY, "father_status": "unknown", "mother_status": "unknown"})
    rows = child.circumstances.filter(kind__in=("father", "mother"))
    assert sorted(rows.values_list("kind", "status")) == [("father", "unknown"), ("mother", "unknown")]


@pytest.mark.parametrize(("answer", "flag"), [("not_recorded", None), ("yes", True), ("no", False)])
def test_school_attendance_is_three_way(login: Any, answer: str, flag: bool | None) -> None:
    # The old checkbox left unticked recorded 小学 as not in school (a dropout).
    child = post_new(login, {**IDENTITY_ONLY, "school_stage": "primary", "school_enrolled": answer})
    row = child.circumstances.get(kind="schooling")
    assert (row.detail, row.flag) == ("primary", flag)
    assert situation_on(child, today()).school_enrolled is flag


def test_school_attendance_does_not_apply_to_wei_ru_xue(login: Any) -> None:
    child = post_new(login, {**IDENTITY_ONLY, "school_stage": "none", "school_enrolled": "yes"})
    row = child.circumstances.get(kind="schooling")
    assert (row.detail, row.flag) == ("none", False)


@pytest.mark.parametrize(
    ("relationship", "able", "status", "detail", "flag"),
    [
        ("none", "yes", NOBODY, "", None),  # 无人照料: the (hidden) ability does not apply
        ("grandparent", "not_recorded", "", "grandparent", None),
        ("grandparent", "no", "", "grandparent", False),
        ("grandparent", "yes", "", "grandparent", True),
    ],
)
def test_the_guardian_is_nobody_or_a_relationship_with_a_three_way_ability(
    login: Any, relationship: str, able: str, status: str, detail: str, flag: bool | None
) -> None:
    child = post_new(login, {**IDENTITY_ONLY, "guardian_relationship": relationship, "guardian_able": able})
    row = child.circumstances.get(kind="guardian")
    assert (row.status, row.detail, row.flag) == (status, detail, flag)


def test_an_answer_that_is_not_a_choice_is_refused(login: Any) -> None:
    response = login("director_a").post(
        "/children/new/", {**IDENTITY_ONLY, "school_stage": "primary", "school_enrolled": "on"}
    )
    assert response.status_code == 200 and Child.objects.count() == 0


# -- editing ---------------------------------------------------------------------------------


def test_the_change_form_shows_what_was_not_recorded_as_wei_tian_xie(personas: dict[str, User], login: Any) -> None:
    data = without(example(parents=[], schooling={"stage": "primary", "enrolled": None}), "guardian")
    child = register_data(personas["caseworker"], data)
    html = login("director_a").get(reverse("registry:change", kwargs={"child_id": child.pk})).content.decode()
    assert selected(html, "father_status") == selected(html, "mother_status") == "not_recorded"
    assert selected(html, "guardian_relationship") == selected(html, "guardian_able") == "not_recorded"
    assert (selected(html, "school_stage"), selected(html, "school_enrolled")) == ("primary", "not_recorded")


def test_the_change_form_shows_nobody_an_unrecorded_ability_and_the_recorded_facts(
    personas: dict[str, User], login: Any
) -> None:
    nobody = register(personas["caseworker"], guardian=None, schooling={"stage": "none", "enrolled": False})
    html = login("director_a").get(reverse("registry:change", kwargs={"child_id": nobody.pk})).content.decode()
    assert selected(html, "guardian_relationship") == "none"
    assert (selected(html, "school_stage"), selected(html, "school_enrolled")) == ("none", "no")
    record, _ = parse_record(example(guardian={"relationship": "grandparent", "able": None}), today=today())
    assert record is not None
    initial = initial_from_record(record)
    assert (initial["guardian_relationship"], initial["guardian_able"]) == ("grandparent", "not_recorded")
    assert (initial["father_status"], initial["school_enrolled"]) == ("deceased", "yes")


def test_the_prefilled_form_gives_back_the_same_record(personas: dict[str, User]) -> None:
    """Every state of the three facts survives the form unchanged (nothing is defaulted)."""
    variants = [
        without(example(parents=[]), "guardian"),
        example(guardian=None, schooling=None),
        example(guardian={"relationship": "邻居", "able": None}, schooling={"stage": "junior", "enrolled": False}),
        example(parents=[{"role": "mother", "status": "unknown"}], schooling={"stage": "primary", "enrolled": None}),
    ]
    for data in variants:
        record, errors = parse_record(data, today=today())
        assert record is not None, errors
        child = services.child_register(actor=personas["caseworker"], record=record, effective=today())
        initial = {k: v for k, v in initial_from_record(record).items() if v not in (None, False, "")}
        form = ChildForm(
            {**initial, "effective": today().isoformat(), "version": "1"}, user=personas["caseworker"], child=child
        )
        assert form.is_valid(), form.errors
        assert form.record == record
        child.delete()


def change(login: Any, child: Child, **fields: str) -> None:
    """Record a change (preview, then confirm) from ten days ago."""
    client = login("director_a")
    url = reverse("registry:change", kwargs={"child_id": child.pk})
    record = situation_on(child, today())
    data = {k: v for k, v in initial_from_record(record).items() if v not in (None, False, "")}
    data.update(effective=(today() - datetime.timedelta(days=10)).isoformat(), version=str(child.version), **fields)
    html = client.post(url, data).content.decode()
    token = re.search(r'name="preview_token" value="([0-9a-f]+)"', html)
    assert token, html[:3000]
    assert client.post(url, {**data, "preview_token": token.group(1), "confirm": "1"}).status_code == 302


def test_changing_recorded_facts_to_wei_tian_xie_closes_their_rows(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])  # father deceased, grandparent able, 小学 在读
    change(
        login, child, father_status="not_recorded", guardian_relationship="not_recorded", school_stage="not_recorded"
    )
    closed_on = today() - datetime.timedelta(days=11)
    for kind in ("father", "guardian", "schooling"):
        row = Circumstance.objects.get(child=child, kind=kind)
        assert row.valid_to == closed_on, kind
    record = situation_on(child, today())
    assert record.parent("father") is None and not record.guardian_recorded and record.school_stage is None
    assert record.parent("mother") is not None  # untouched
    assert situation_on(child, closed_on).parent("father") is not None  # the history keeps it


def test_changing_attendance_and_ability_to_wei_tian_xie_records_them_as_not_recorded(
    personas: dict[str, User], login: Any
) -> None:
    child = register(personas["caseworker"])
    change(login, child, school_enrolled="not_recorded", guardian_able="not_recorded")
    rows = Circumstance.objects.filter(child=child, valid_to__isnull=True)
    assert rows.get(kind="schooling").flag is None and rows.get(kind="guardian").flag is None
    assert situation_on(child, today()).not_recorded() == ("schooling.enrolled", "guardian")


def test_the_service_closes_the_rows_of_facts_that_became_not_recorded(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    record, _ = parse_record(without(example(parents=[], schooling=None), "guardian"), today=today())
    assert record is not None
    changes = services.child_update(
        actor=personas["caseworker"], child=child, record=record, expected_version=1, effective=today()
    )
    assert {c.kind: c.after for c in changes} == {
        "father": "父亲情况未填写",
        "mother": "母亲情况未填写",
        "guardian": "实际监护人未填写",
        "schooling": "就学情况未填写",
    }
    assert not kinds(child) & {"father", "mother", "guardian", "schooling"}


# -- correcting ------------------------------------------------------------------------------


def correct_url(child: Child, row: Circumstance) -> str:
    return reverse("registry:correct", kwargs={"child_id": child.pk, "circumstance_id": row.pk})


def test_correcting_the_guardian_offers_nobody_and_a_three_way_ability(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"], guardian=None)
    row = child.circumstances.get(kind="guardian")
    client = login("director_a")
    html = client.get(correct_url(child, row)).content.decode()
    assert selected(html, "detail") == "none" and selected(html, "flag") == "not_recorded"
    assert 'data-field="flag" data-show-field="detail" data-show-values="none" data-show-mode="not"' in html
    base = {"valid_from": row.valid_from.isoformat(), "version": str(child.version), "reason": "录错"}
    response = client.post(correct_url(child, row), {**base, "detail": "grandparent", "flag": "not_recorded"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.detail, row.flag) == ("", "grandparent", None)
    child.refresh_from_db()
    response = client.post(correct_url(child, row), {**base, "version": str(child.version), "detail": "none"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.detail, row.flag) == (NOBODY, "", None)


def test_correcting_schooling_keeps_attendance_three_way(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    row = child.circumstances.get(kind="schooling")
    client = login("director_a")
    assert selected(client.get(correct_url(child, row)).content.decode(), "flag") == "yes"
    base = {"valid_from": row.valid_from.isoformat(), "version": str(child.version), "reason": "录错"}
    assert (
        client.post(correct_url(child, row), {**base, "detail": "primary", "flag": "not_recorded"}).status_code == 302
    )
    row.refresh_from_db()
    assert (row.detail, row.flag) == ("primary", None)
    child.refresh_from_db()
    base["version"] = str(child.version)
    assert client.post(correct_url(child, row), {**base, "detail": "none", "flag": "yes"}).status_code == 302
    row.refresh_from_db()
    assert (row.detail, row.flag) == ("none", False)
