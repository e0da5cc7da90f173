"""Names with characters nobody sees (zero-width, bidi controls, control characters, NUL) and birth
dates no child has are refused by the one validator, on every way in: the form, an imported row
(row-numbered), the API. The Manchu middle dot stays a name's character."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from shouhu.accounts.forms import UserForm
from shouhu.accounts.models import User
from shouhu.accounts.services import api_token_issue
from shouhu.casework.forms import IntakeForm
from shouhu.core.input_text import person_name_problem, text_problem
from shouhu.registry.exchange import layout, layout_writing
from shouhu.registry.exchange.format import earliest_birth_date, parse_record
from shouhu.registry.exchange.validation import validate_file
from shouhu.registry.models import Child

from .example import example
from .ui_factories import field_errors, form_data, today

pytestmark = pytest.mark.django_db
HIDDEN = {
    "zero-width space": "张\u200b明",
    "zero-width joiner": "张\u200d明",
    "left-to-right mark": "张明\u200e",
    "word joiner": "张\u2060明",
    "byte-order mark": "\ufeff张明",
    "bidi override": "张\u202e明",
    "bidi isolate": "\u2066张明\u2069",
    "NUL": "张\x00明",
    "tab": "张\t明",
    "DEL": "张\x7f明",
    "C1 control": "张\x85明",
    "line separator": "张\u2028明",
}
ONLY_ZERO_WIDTH = "\u200b\u200c\u200d"


@pytest.mark.parametrize("name", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_hidden_character_is_named_by_its_code_point(name: str) -> None:
    problem = person_name_problem(name)
    assert problem is not None and problem.startswith("含有不可见或控制字符（U+")


@pytest.mark.parametrize("name", ["张小明", "爱新觉罗·恒", "阿依古丽·买买提", "Mary Smith", "O'Brien", "李　娜", "𠀾"])
def test_names_of_every_script_and_the_middle_dot_are_names(name: str) -> None:
    assert person_name_problem(name) is None
    record, errors = parse_record(example(name=name), today=datetime.date(2026, 1, 1))
    assert errors == [] and record is not None and record.name == name.strip()


def test_text_may_hold_newlines_but_not_nul_nor_a_lone_surrogate() -> None:
    assert text_problem("第一行\n第二行\t") is None
    assert text_problem("a\x00") == "含有空字符（U+0000）"
    assert text_problem("a\ud800") == "含有无法编码的字符（U+D800）"


def test_the_exchange_format_refuses_them() -> None:
    on = datetime.date(2026, 1, 1)
    _, errors = parse_record(example(name=ONLY_ZERO_WIDTH), today=on)
    assert [(e.field, e.message) for e in errors] == [("name", "含有不可见或控制字符（U+200B）")]
    _, errors = parse_record(example(guardian={"relationship": "姑\u200b姑", "able": True}), today=on)
    assert [e.field for e in errors] == ["guardian.relationship"]
    _, errors = parse_record(example(id_number=None, no_id_reason="弃婴\x00"), today=on)
    assert ("no_id_reason", "含有空字符（U+0000）") in [(e.field, e.message) for e in errors]


@pytest.mark.parametrize(
    ("on", "earliest"),
    [(datetime.date(2026, 1, 1), datetime.date(2001, 1, 1)), (datetime.date(2028, 2, 29), datetime.date(2003, 2, 28))],
)
def test_birth_dates_reach_back_25_years(on: datetime.date, earliest: datetime.date) -> None:
    assert earliest_birth_date(on) == earliest
    no_id = {"id_number": None, "no_id_reason": "弃婴"}
    record, errors = parse_record(example(**no_id, birth_date=earliest.isoformat()), today=on)
    assert errors == [] and record is not None
    day_before = (earliest - datetime.timedelta(days=1)).isoformat()
    _, errors = parse_record(example(**no_id, birth_date=day_before), today=on)
    assert [(e.field, e.message) for e in errors] == [
        ("birth_date", f"{day_before} 早于 25 年前（{earliest}），不是儿童的出生日期")
    ]
    tomorrow = (on + datetime.timedelta(days=1)).isoformat()
    _, errors = parse_record(example(**no_id, birth_date=tomorrow), today=on)
    assert [(e.field, e.message) for e in errors] == [("birth_date", f"{tomorrow} 晚于今天")]


# -- forms ----------------------------------------------------------------------------


def test_the_child_form_shows_the_error_at_the_name(login: Any) -> None:
    response = login("director_a").post("/children/new/", form_data(name=ONLY_ZERO_WIDTH))
    assert response.status_code == 200 and "含有不可见或控制字符（U+200B）" in field_errors(
        response.content.decode(), "name"
    )
    response = login("director_a").post("/children/new/", form_data(name="张\x00明"))
    assert response.status_code == 200 and field_errors(response.content.decode(), "name")
    assert not Child.objects.exists()


def test_the_child_form_refuses_a_birth_date_of_another_generation(login: Any) -> None:
    old = (earliest_birth_date(today()) - datetime.timedelta(days=1)).isoformat()
    response = login("director_a").post("/children/new/", form_data(birth_date=old, id_number="", no_id_reason="弃婴"))
    assert "早于 25 年前" in field_errors(response.content.decode(), "birth_date")
    assert not Child.objects.exists()


def test_the_user_and_intake_forms_refuse_hidden_characters() -> None:
    user = UserForm(data={"username": "wang.li", "full_name": "王\u202e丽", "role": "caseworker", "password": "x"})
    assert not user.is_valid() and user.errors["full_name"] == ["「姓名」含有不可见或控制字符（U+202E）"]
    assert "full_name" not in UserForm(data={"full_name": "爱新觉罗·恒"}).errors
    intake = IntakeForm(data={"applicant_name": "\u200b"}, proposals={}, labels={})
    intake.is_valid()
    assert intake.errors["applicant_name"] == ["「申请人」含有不可见或控制字符（U+200B）"]


# -- imports --------------------------------------------------------------------------


def test_an_imported_row_names_its_row_and_column(tmp_path: Path, personas: dict[str, User]) -> None:
    old = (earliest_birth_date(today()) - datetime.timedelta(days=1)).isoformat()
    rows = [
        example(),
        example(id_number=None, no_id_reason="弃婴", name=ONLY_ZERO_WIDTH),
        example(id_number=None, no_id_reason="弃婴", name="李\x00四"),
        example(id_number=None, no_id_reason="弃婴", name="赵六", birth_date=old),
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(layout.HEADERS)
    for data in rows:
        writer.writerow([layout_writing.csv_value(v) for v in layout_writing.dict_to_row(data)])
    path = tmp_path / "roster.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = validate_file(path, fmt="csv", actor=personas["caseworker"])
    found = {(e.row, e.field): e.message for e in result.errors}
    assert "含有不可见或控制字符（U+200B）" in found[(3, "姓名")]
    assert "含有不可见或控制字符（U+0000）" in found[(4, "姓名")]
    assert "早于 25 年前" in found[(5, "出生日期")]
    assert result.error_rows == 3 and not result.ok
    assert str(next(e for e in result.errors if e.row == 3)).startswith("第 3 行「姓名」")


# -- the API --------------------------------------------------------------------------


def test_the_api_refuses_them_naming_the_field(personas: dict[str, User]) -> None:
    _, key = api_token_issue(actor=personas["caseworker"], name="t", user=personas["caseworker"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    def post(**changes: Any) -> dict[str | None, str]:
        response = client.post("/api/v1/children", json.dumps(example(**changes)), "application/json")
        assert response.status_code == 422
        return {e["field"]: e["message"] for e in response.json()["errors"]}

    assert post(name=ONLY_ZERO_WIDTH)["name"] == "「姓名」含有不可见或控制字符（U+200B）"
    assert post(name="张\u2067小明")["name"] == "「姓名」含有不可见或控制字符（U+2067）"
    old = (earliest_birth_date(today()) - datetime.timedelta(days=1)).isoformat()
    assert "早于 25 年前" in post(id_number=None, no_id_reason="弃婴", birth_date=old)["birth_date"]
    assert not Child.objects.exists()
    response = client.post("/api/v1/children", json.dumps(example(name="爱新觉罗·恒")), "application/json")
    assert response.status_code == 201 and response.json()["record"]["name"] == "爱新觉罗·恒"
