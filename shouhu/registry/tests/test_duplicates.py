from __future__ import annotations

import base64
import random
from difflib import SequenceMatcher
from itertools import combinations
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shouhu.access import duplicates_visible_to
from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.core.periodic import registered_jobs
from shouhu.registry import services
from shouhu.registry.duplicates import NAME_SIMILARITY, _may_be_similar, scan, similar_names
from shouhu.registry.exchange.bulk import bulk_register
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.merge import duplicate_dismiss, duplicate_merge, plan_merge
from shouhu.registry.models import Child, ChildStatus, Circumstance, CloseReason, DuplicateCandidate, DuplicateState
from shouhu.registry.selectors import situation_on
from shouhu.registry.tasks import scan_duplicates

from .misc_helpers import DAY, child_data, id_number, register

# An earlier key still configured: a rotation is under way, so rows whose blind index was computed
# under it may share an ID number with a newer row (`shouhu crypto rotate` ends that).
EARLIER_KEY = base64.b64encode(b"the key before the last rotation").decode()


@pytest.fixture
def rotation_under_way(settings: Any) -> None:
    settings.ENCRYPTION_OLD_KEYS = [EARLIER_KEY]


pytestmark = pytest.mark.django_db


def bulk(*items: dict[str, Any]) -> list[Child]:
    records = []
    for data in items:
        record, errors = parse_record(data, today=DAY)
        assert record is not None, errors
        records.append(record)
    ids = bulk_register(actor=None, records=records, effective=DAY)
    return [Child.objects.get(pk=pk) for pk in ids]


def pairs() -> set[tuple[int, int, str]]:
    return {(c.child_a_id, c.child_b_id, c.reason) for c in DuplicateCandidate.objects.all()}


def test_scan_finds_similar_names_on_the_same_birth_date_and_sex_but_not_other_sexes() -> None:
    a, b, _c, _d, _e = bulk(
        child_data("张小明", "2015-03-15", 15),
        child_data("张晓明", "2015-03-15", 31, parents=[]),  # same pinyin
        child_data("张小敏", "2015-03-15", 40, sex="female"),  # similar, but a girl
        child_data("李大山", "2015-03-15", 51),  # a boy, different name
        child_data("张小明", "2015-03-16", 17),  # same name, another day
    )
    assert scan() == 1
    assert pairs() == {(a.pk, b.pk, "出生日期、性别相同，姓名相近（张小明 / 张晓明）")}
    assert scan() == 0  # never twice
    assert DuplicateCandidate.objects.count() == 1


def test_scan_finds_a_child_without_id_number_and_one_with() -> None:
    a, b = bulk(
        child_data("王雨萱", "2019-05-01", 22, sex="female"), child_data("王语萱", "2019-05-01", None, sex="female")
    )
    assert scan() == 1 and pairs() == {(a.pk, b.pk, "出生日期、性别相同，姓名相近（王雨萱 / 王语萱）")}


def test_scan_finds_the_same_id_number_even_when_the_indexes_differ(rotation_under_way: None) -> None:
    """Two rows with one ID number whose blind indexes differ (one computed under an earlier key,
    before a rotation finished) are still found: equal masks, confirmed on the decrypted numbers."""
    (a,) = bulk(child_data("赵一鸣", "2012-08-08", 91))
    Child.objects.filter(pk=a.pk).update(id_number_index="0" * 64)
    (b,) = bulk(child_data("钱多多", "2012-08-08", 91))
    assert a.id_number == b.id_number
    assert scan() == 1 and pairs() == {(a.pk, b.pk, "身份证号相同")}


def test_the_same_name_is_a_pair_even_when_the_stored_pinyins_differ() -> None:
    a, b = bulk(child_data("乐乐", "2015-03-15", 15), child_data("乐乐", "2015-03-15", 17))
    Child.objects.filter(pk=b.pk).update(name_pinyin="yueyue")  # 乐 is le or yue
    # 乐 as a surname reads yue (registry/names.py)
    assert a.name_pinyin == "yuele" and SequenceMatcher(None, "yuele", "yueyue").ratio() < NAME_SIMILARITY
    assert scan() == 1 and pairs() == {(a.pk, b.pk, "出生日期、性别相同，姓名相近（乐乐 / 乐乐）")}


def test_scan_of_some_children_only_looks_at_their_pairs() -> None:
    _a, _b, c, d = bulk(
        child_data("孙浩然", "2016-01-02", 13),
        child_data("孙浩然", "2016-01-02", 15),
        child_data("周欣怡", "2016-01-03", 22, sex="female"),
        child_data("周欣怡", "2016-01-03", 24, sex="female"),
    )
    assert scan(child_ids=[c.pk]) == 1 and pairs() == {(c.pk, d.pk, "出生日期、性别相同，姓名相近（周欣怡 / 周欣怡）")}
    assert scan() == 1 and len(pairs()) == 2


# Surnames and given-name characters that share or nearly share their pinyin (xiao/xiao, ming/min,
# zi/zi, yu/yu, …), so a few hundred children make many near pairs, some exactly at the 0.8 line.
SURNAMES = "王汪张章李黎杨"
GIVEN = "小晓筱明敏鸣雨语宇萱轩涵晗子梓紫怡依一航"
DATES = ("2015-03-15", "2016-07-01", "2018-12-31")


def near_names_registry() -> list[Child]:
    """~300 children on three birth dates with many near names; some without ID number; some
    sharing an ID number with a row whose blind index is under another key (a rotation under way);
    some whose masked number equals another child's although the numbers differ."""
    rng = random.Random(2026)
    sequence = {date: 0 for date in DATES}

    def next_child(date: str, sex: str, **changes: Any) -> dict[str, Any]:
        sequence[date] += 1
        number = 2 * sequence[date] + (1 if sex == "male" else 0)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2, 2))))
        return child_data(name, date, None if rng.random() < 0.1 else number, sex=sex, parents=[], **changes)

    first = bulk(*(next_child(rng.choice(DATES), rng.choice(("male", "female"))) for _ in range(280)))
    rotated = [c for c in first if c.id_number][:6]
    for k, child in enumerate(rotated):  # indexes computed under an earlier key
        Child.objects.filter(pk=child.pk).update(id_number_index=f"{k:064x}")
    again = [
        child_data(
            rng.choice(SURNAMES) + rng.choice(GIVEN),
            str(c.birth_date),
            None,
            sex=c.sex,
            id_number=c.id_number,
            no_id_reason=None,
        )
        for c in rotated
    ]
    # Numbers of 南芬区 (210505) and 本溪县 (210521) with the same birth date and sequence have the
    # same check digit, so the same masked number: a pair to confirm on the numbers, which differ.
    masked_alike = [
        child_data(name, date, None, sex=sex, id_number=id_number(date, sequence, prefix=prefix), no_id_reason=None)
        for k, (date, sex) in enumerate(zip(DATES * 2, ("male", "female") * 3, strict=True))
        for sequence in [900 + 2 * k + (sex == "male")]
        for name, prefix in (("罗" + GIVEN[k], "210505"), ("罗" + GIVEN[k + (k > 0)], "210521"))
    ]
    bulk(*again, *masked_alike)
    return list(Child.objects.all())


def brute_force(children: list[Child]) -> set[tuple[int, int, str]]:
    """Every pair compared the plain way: `similar_names` and the decrypted ID numbers."""
    found = set()
    for a, b in combinations(sorted(children, key=lambda c: c.pk), 2):
        if (a.birth_date, a.sex) != (b.birth_date, b.sex):
            continue
        if a.id_number and a.id_number == b.id_number:
            found.add((a.pk, b.pk, "身份证号相同"))
        elif similar_names(a, b):
            found.add((a.pk, b.pk, f"出生日期、性别相同，姓名相近（{a.name} / {b.name}）"))
    return found


def test_the_scan_queues_exactly_the_pairs_a_brute_force_comparison_finds(rotation_under_way: None) -> None:
    children = near_names_registry()
    expected = brute_force(children)
    by_pk = {c.pk: c for c in children}
    reasons = [r for *_, r in expected]
    assert reasons.count("身份证号相同") == 6 and len(reasons) > 300  # the data exercises both paths
    assert any(  # a pair exactly on the 0.8 line: a rounding cut-off would lose it
        SequenceMatcher(None, by_pk[a].name_pinyin, by_pk[b].name_pinyin).ratio() == NAME_SIMILARITY
        and by_pk[a].name_pinyin != by_pk[b].name_pinyin
        for a, b, _ in expected
    )
    masks = {(a.pk, b.pk) for a, b in combinations(children, 2) if a.id_number_masked == b.id_number_masked != ""}
    assert len(masks) > 6  # equal masks with different numbers are there, and are not "same ID"
    assert scan() == len(expected)
    assert pairs() == expected
    assert scan() == 0


def test_a_scan_of_some_children_queues_the_brute_force_pairs_that_involve_them(rotation_under_way: None) -> None:
    children = near_names_registry()
    some = {c.pk for c in children[::7]}
    expected = {p for p in brute_force(children) if p[0] in some or p[1] in some}
    assert len(expected) > 30
    assert scan(child_ids=some) == len(expected)
    assert pairs() == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="aghinouxyz", max_size=16), min_size=2, max_size=10))
def test_the_c_prefilter_keeps_every_pair_sequence_matcher_accepts(pinyins: list[str]) -> None:
    """The rapidfuzz bound (5·Indel distance ≤ la+lb) must never drop a pair whose ratio reaches
    the threshold, or the scan would miss duplicates."""
    kept = set(_may_be_similar([(i, "", p, "") for i, p in enumerate(pinyins)]))
    for j in range(len(pinyins)):
        for i in range(j):
            if SequenceMatcher(None, pinyins[i], pinyins[j], autojunk=False).ratio() >= NAME_SIMILARITY:
                assert (i, j) in kept


def test_closed_children_and_other_counties_are_not_scanned(personas: dict[str, User]) -> None:
    a, _b = bulk(child_data("吴子轩", "2014-04-04", 41), child_data("吴子轩", "2014-04-04", 43))
    services.child_close(actor=personas["caseworker"], child=a, reason="moved_away", closed_on=DAY, expected_version=1)
    assert scan() == 0
    assert scan(county_prefix="210521") == 0


def test_the_daily_job_is_registered_and_runs_the_scan() -> None:
    job = registered_jobs()["registry.duplicates_scan"]
    assert job.every.days == 1 and job.task is scan_duplicates
    bulk(child_data("郑思远", "2011-11-11", 11), child_data("郑思远", "2011-11-11", 13))
    assert scan_duplicates.call() == 1


def test_register_queues_and_the_review_scope_needs_both_children(personas: dict[str, User]) -> None:
    a = register(None, child_data("冯梓涵", "2017-09-09", 92, sex="female"))
    b = register(None, child_data("冯子涵", "2017-09-09", 94, sex="female", region_code="210522101201"))
    pair = DuplicateCandidate.objects.get()
    assert (pair.child_a_id, pair.child_b_id) == (a.pk, b.pk)
    assert list(duplicates_visible_to(personas["caseworker"])) == [pair]
    assert list(duplicates_visible_to(personas["supervisor_a"])) == []  # no REVIEW_DUPLICATES
    assert scan() == 0


def make_pair(personas: dict[str, User]) -> tuple[Child, Child, DuplicateCandidate]:
    a = register(personas["caseworker"], child_data("陈俊杰", "2013-06-06", 63))
    b = register(
        personas["caseworker"],
        child_data(
            "陈俊杰",
            "2013-06-06",
            None,
            household={"low_income": False},
            parents=[{"role": "father", "status": "alive"}],
            migrant=True,
            disability=None,
        ),
    )
    return a, b, DuplicateCandidate.objects.get(child_a=a, child_b=b)


def test_merge_moves_what_does_not_conflict_closes_the_other_and_keeps_history(personas: dict[str, User]) -> None:
    a, b, pair = make_pair(personas)
    actor = personas["caseworker"]
    plan = plan_merge(pair, b.pk)  # keep the record without ID number: it takes the number over
    assert {r.kind for r in plan.moved} == {"low_income", "disability", "mother"}
    assert {r.kind for r in plan.conflicts} == {"father"}
    assert {r.kind for r in plan.already_held} == {"guardian", "schooling"}
    assert plan.identity == ["id_number"]
    before = Circumstance.objects.count()
    duplicate_merge(actor=actor, candidate=pair, survivor_id=b.pk, expected_versions={a.pk: 1, b.pk: 1})
    a.refresh_from_db()
    b.refresh_from_db()
    pair.refresh_from_db()
    assert Circumstance.objects.count() == before  # moved, nothing deleted
    assert (a.status, a.closed_reason, a.closed_note) == (ChildStatus.CLOSED, CloseReason.MERGED, f"已合并到 #{b.pk}")
    assert b.status == ChildStatus.ACTIVE and b.id_number == "210522201306060637"[:17] + b.id_number[17]
    assert services.find_by_id_number(b.id_number) == b and a.id_number_index is None
    now = situation_on(b, DAY)
    assert now.low_income and now.migrant and now.disability is not None
    assert getattr(now.parent("mother"), "status", None) == "imprisoned"
    assert getattr(now.parent("father"), "status", None) == "alive"  # the survivor's own fact wins
    assert Circumstance.objects.filter(child=a, kind="father").exists()  # the conflicting fact stays
    assert Circumstance.objects.filter(child=b, kind="low_income", note=f"由 #{a.pk} 合并").exists()
    assert (pair.state, pair.survivor_id, pair.reviewed_by) == (DuplicateState.MERGED, b.pk, actor)
    merge_event = AuditEvent.objects.get(action="children.merge")
    assert merge_event.object_id == str(b.pk) and merge_event.actor == actor
    moved = {m["id"] for m in merge_event.detail["moved_circumstances"]}
    assert moved == {r.pk for r in plan.moved} and any(
        "听力残疾" in m["fact"] for m in merge_event.detail["moved_circumstances"]
    )
    assert merge_event.detail["identity_taken_over"] == ["身份证号"]
    assert len(merge_event.detail["conflicts_kept_on_merged"]) == 1
    assert AuditEvent.objects.filter(action="children.close", object_id=str(a.pk)).exists()
    with pytest.raises(Exception, match="已处理"):
        duplicate_merge(actor=actor, candidate=pair, survivor_id=b.pk, expected_versions={a.pk: 2, b.pk: 2})


def test_merge_refuses_stale_versions(personas: dict[str, User]) -> None:
    a, b, pair = make_pair(personas)
    with pytest.raises(services.ConcurrentEditError):
        duplicate_merge(actor=personas["admin"], candidate=pair, survivor_id=a.pk, expected_versions={a.pk: 1, b.pk: 0})
    pair.refresh_from_db()
    assert pair.state == DuplicateState.OPEN and Child.objects.get(pk=b.pk).status == ChildStatus.ACTIVE


def test_merge_repoints_other_open_pairs_to_the_survivor(personas: dict[str, User]) -> None:
    a, b, pair = make_pair(personas)
    c = register(None, child_data("陈骏杰", "2013-06-06", 65))
    assert DuplicateCandidate.objects.filter(state="open").count() == 3  # a~b, a~c, b~c
    duplicate_merge(actor=personas["admin"], candidate=pair, survivor_id=a.pk, expected_versions={a.pk: 1, b.pk: 1})
    assert list(DuplicateCandidate.objects.filter(state="open").values_list("child_a", "child_b")) == [(a.pk, c.pk)]


def test_dismiss_is_audited_and_not_queued_again(personas: dict[str, User]) -> None:
    a, _b, pair = make_pair(personas)
    duplicate_dismiss(actor=personas["admin"], candidate=pair, note="双胞胎？不，是同名")
    pair.refresh_from_db()
    assert pair.state == DuplicateState.DISMISSED and pair.reviewed_by == personas["admin"]
    event = AuditEvent.objects.get(action="children.duplicate_dismiss")
    assert event.detail["child_a"] == a.pk and event.detail["note"]
    assert scan() == 0


def test_review_pages(login: Any, personas: dict[str, User]) -> None:
    a, b, pair = make_pair(personas)
    client: Client = login("caseworker")
    page = client.get("/children/duplicates/").content.decode()
    assert "陈俊杰" in page and "2105**********0637"[:4] in page and a.id_number_masked in page
    assert a.id_number not in page
    confirm = client.get(f"/children/duplicates/{pair.pk}/merge/?survivor={b.pk}").content.decode()
    assert "确认合并" in confirm and "将转入保留档案的情况记录" in confirm and "低保" in confirm
    assert AuditEvent.objects.filter(action="children.view", object_id=str(a.pk)).exists()
    stale = client.post(
        f"/children/duplicates/{pair.pk}/merge/",
        {"survivor": b.pk, "version_a": 1, "version_b": 7, "confirm": "1"},
    )
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    done = client.post(
        f"/children/duplicates/{pair.pk}/merge/",
        {"survivor": b.pk, "version_a": 1, "version_b": 1, "confirm": "1"},
    )
    assert done.status_code == 302
    assert Child.objects.get(pk=a.pk).status == ChildStatus.CLOSED
    assert "没有待核查的疑似重复档案" in client.get("/children/duplicates/").content.decode()
    assert "陈俊杰" in client.get("/children/duplicates/?state=merged").content.decode()
    assert login("supervisor_a").get("/children/duplicates/").status_code == 403


def test_review_list_queries_do_not_grow_with_pairs(
    login: Any, personas: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        register(None, child_data("林一诺", f"2010-01-{i + 10:02d}", 11 + 2 * i))
        register(None, child_data("林一喏", f"2010-01-{i + 10:02d}", 13 + 2 * i))
    client: Client = login("admin")
    with django_assert_max_num_queries(15):
        assert client.get("/children/duplicates/").status_code == 200


def test_the_database_keeps_ciphertext_only_for_merged_numbers(personas: dict[str, User]) -> None:
    a, b, pair = make_pair(personas)
    duplicate_merge(actor=personas["admin"], candidate=pair, survivor_id=b.pk, expected_versions={a.pk: 1, b.pk: 1})
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM registry_child WHERE id = %s", [b.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1:") and "2105222013" not in stored


def test_reviewers_see_the_open_pairs_on_their_home_page(login: Any, personas: dict[str, User]) -> None:
    a, b, pair = make_pair(personas)
    assert "待核查 1 对" in login("caseworker").get("/").content.decode()
    duplicate_merge(actor=personas["admin"], candidate=pair, survivor_id=b.pk, expected_versions={a.pk: 1, b.pk: 1})
    # A small count is never remembered: the panel follows the review at once.
    assert "没有待核查的疑似重复档案" in login("caseworker").get("/").content.decode()
    assert "疑似重复档案" not in login("director_a").get("/").content.decode()
