"""Surnames read as surnames (朴 Piáo, 曾 Zēng, 单 Shàn, 解 Xiè, 仇 Qiú), the everyday reading too,
ü typed as v, u or ü, and middle dots in compound (Manchu) surnames — in the list, the API and the
import path alike; and the migration that recomputes the keys of children already on record."""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection

from shouhu.accounts.models import User
from shouhu.registry.exchange.bulk import bulk_register
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child
from shouhu.registry.names import MIDDLE_DOTS, name_readings, surname_readings

from .example import example
from .ui_factories import register, today

pytestmark = pytest.mark.django_db

# name, what a user who knows the surname types, what a user who reads the character as usual types
SURNAMES = [
    ("朴志勋", "piaozhixun", "puzhixun"),
    ("曾小明", "zengxiaoming", "cengxiaoming"),
    ("单田芳", "shantianfang", "dantianfang"),
    ("解小东", "xiexiaodong", "jiexiaodong"),
    ("仇晓红", "qiuxiaohong", "chouxiaohong"),
]


def names_in(response: Any) -> list[str]:
    return re.findall(r'<a href="/children/\d+/">([^<]+)</a>', response.content.decode())


def _register_named(actor: User, name: str, n: int) -> Child:
    return register(actor, name=name, id_number=None, no_id_reason="弃婴", birth_date=f"2015-03-{10 + n:02d}")


def test_the_surname_table_comes_from_the_maintained_source_with_the_countys_surnames() -> None:
    readings = surname_readings()
    assert len(readings) > 400  # pinyin-pro's table, not a hand list
    assert readings["朴"] == ("piao",) and readings["曾"] == ("zeng",) and readings["尉迟"] == ("yu", "chi")
    assert readings["吕"] == ("lu",)  # ü folded


@pytest.mark.parametrize(("name", "surname_reading", "common_reading"), SURNAMES)
def test_both_readings_are_indexed(name: str, surname_reading: str, common_reading: str) -> None:
    keys = name_readings(name)
    assert (keys.pinyin, keys.pinyin_common) == (surname_reading, common_reading)
    assert (keys.initials[0], keys.initials_common[0]) == (surname_reading[0], common_reading[0])


@pytest.mark.parametrize(("name", "surname_reading", "common_reading"), SURNAMES)
def test_the_list_finds_a_child_by_the_surname_reading_and_by_the_everyday_one(
    personas: dict[str, User], login: Any, name: str, surname_reading: str, common_reading: str
) -> None:
    _register_named(personas["caseworker"], name, 1)
    _register_named(personas["caseworker"], "王大力", 2)
    client = login("director_a")
    initials = name_readings(name)
    for q in (surname_reading, surname_reading[:4], common_reading, initials.initials, initials.initials_common):
        assert names_in(client.get("/children/", {"q": q})) == [name], q


@pytest.mark.parametrize("q", ["lv", "lu", "lü", "LÜ", "lvxiaoming", "luxiaoming", "lüxiaoming", "lü xiao ming"])
def test_u_umlaut_typed_as_v_u_or_u_umlaut_finds_lu(personas: dict[str, User], login: Any, q: str) -> None:
    _register_named(personas["caseworker"], "吕小明", 1)
    _register_named(personas["caseworker"], "王大力", 2)
    assert names_in(login("director_a").get("/children/", {"q": q})) == ["吕小明"]


@pytest.mark.parametrize(
    "q", ["爱新觉罗恒", "爱新觉罗·恒", "爱新觉罗•恒", "爱新觉罗‧恒", "爱新觉罗・恒", "觉罗恒", "aixinjueluo"]
)
def test_a_manchu_compound_surname_is_found_with_or_without_its_middle_dot(
    personas: dict[str, User], login: Any, q: str
) -> None:
    _register_named(personas["caseworker"], "爱新觉罗·恒", 1)
    _register_named(personas["caseworker"], "王大力", 2)
    assert names_in(login("director_a").get("/children/", {"q": q})) == ["爱新觉罗·恒"]


def test_a_name_stored_with_another_dot_is_found_by_the_standard_one(personas: dict[str, User], login: Any) -> None:
    _register_named(personas["caseworker"], "爱新觉罗•恒", 1)  # typed with a bullet
    assert names_in(login("director_a").get("/children/", {"q": "爱新觉罗·恒"})) == ["爱新觉罗•恒"]
    assert set(MIDDLE_DOTS) >= {"·", "•", "‧", "・"}


def test_the_api_and_an_import_index_the_same_keys(personas: dict[str, User], login: Any) -> None:
    record, errors = parse_record(
        example(name="朴智妍", id_number=None, no_id_reason="弃婴", sex="female"), today=today()
    )
    assert record is not None, errors
    [pk] = bulk_register(actor=personas["caseworker"], records=[record], effective=today())
    child = Child.objects.get(pk=pk)
    assert (child.name_pinyin, child.name_pinyin_common) == ("piaozhiyan", "puzhiyan")
    body = login("director_a").get("/api/v1/children", {"q": "piaozhi"}).json()
    assert [item["name"] for item in body["items"]] == ["朴智妍"]


def test_the_migration_recomputes_the_keys_of_children_already_on_record(personas: dict[str, User]) -> None:
    child = _register_named(personas["caseworker"], "曾小明", 1)
    Child.objects.filter(pk=child.pk).update(
        name_pinyin="cengxiaoming", name_initials="cxm", name_pinyin_common="", name_initials_common=""
    )  # what the old code stored
    migration = importlib.import_module("shouhu.registry.migrations.0006_child_name_readings")
    migration.recompute(django_apps, SimpleNamespace(connection=connection))  # the editor's connection is all it reads
    child.refresh_from_db()
    assert (child.name_pinyin, child.name_initials) == ("zengxiaoming", "zxm")
    assert (child.name_pinyin_common, child.name_initials_common) == ("cengxiaoming", "cxm")
