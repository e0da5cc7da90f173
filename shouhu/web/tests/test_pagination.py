"""Pagination of the long lists: the pager's links seek by keys and show exactly the
pages that page numbers show; large totals are remembered for a minute, small ones never."""

from __future__ import annotations

import datetime
import re
import time
from html import unescape
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.core.models import AuditEvent
from shouhu.core.testing.processes import scratch_database, shouhu_run
from shouhu.eligibility.screening import run_screening, screening_request
from shouhu.eligibility.tests.eligibility_factories import disabled_child, today
from shouhu.web import pagination
from shouhu.web.pagination import COUNT_CACHE_FROM, cached_count

pytestmark = pytest.mark.django_db
COUNTY = "210522000000"
# Same names in two villages, so the order needs all three keys (village, pinyin, id).
NAMES = ["安安", "安安", "白冰", "陈晨", "陈晨", "丁一", "安安"]


@pytest.fixture
def children(settings: Any) -> list[Any]:
    settings.SHOUHU_PAGE_SIZE = 2
    on = today()
    return [
        disabled_child(5, on, name=name, region_code=VILLAGE_A if i % 2 else VILLAGE_B) for i, name in enumerate(NAMES)
    ]


def rows(response: Any, link: str) -> list[str]:
    assert response.status_code == 200
    return re.findall(rf'<a href="{link}(\d+)/">', response.content.decode())


def pager_link(response: Any, label: str) -> str | None:
    found = re.search(rf'<a href="\?([^"]*)">{label}</a>', response.content.decode())
    return unescape(found.group(1)) if found else None


def every(pages: list[list[str]]) -> list[str]:
    return sorted(pk for page in pages for pk in page)


def ids(children: list[Any]) -> list[str]:
    return sorted(str(c.pk) for c in children)


def walk(client: Client, base: str, link: str) -> tuple[list[list[str]], list[list[str]], list[list[str]], list[str]]:
    """Pages by number, by the "下一页" links from page 1, and by "上一页" links back from the end."""
    first = client.get(base)
    total = int(re.search(r"第 1 / (\d+) 页", first.content.decode()).group(1))  # type: ignore[union-attr]
    by_number = [rows(client.get(f"{base}&page={n}"), link) for n in range(1, total + 1)]
    forward, links, response = [rows(first, link)], [], first
    while (target := pager_link(response, "下一页")) is not None:
        links.append(target)
        response = client.get(f"{base.split('?')[0]}?{target}")
        forward.append(rows(response, link))
    backward = [rows(response, link)]
    while (target := pager_link(response, "上一页")) is not None:
        links.append(target)
        response = client.get(f"{base.split('?')[0]}?{target}")
        backward.insert(0, rows(response, link))
    return by_number, forward, backward, links


def test_the_childrens_pager_seeks_by_keys_and_shows_the_numbered_pages(children: list[Any], login: Any) -> None:
    by_number, forward, backward, links = walk(login("caseworker"), "/children/?status=active", "/children/")
    assert len(by_number) == 4 and every(by_number) == ids(children)
    assert forward == by_number and backward == by_number  # through the links: the same pages, in order
    assert all("after=" in x for x in links[:3]) and any("before=" in x for x in links[3:])


def test_the_eligible_childrens_pager_seeks_across_the_join(children: list[Any], login: Any) -> None:
    run_screening(screening_request(actor=None, region_code=COUNTY, as_of=today()))
    base = f"/eligibility/counts/children/?region={COUNTY}&code=T21"
    by_number, forward, backward, links = walk(login("caseworker"), base, "/eligibility/children/")
    assert len(by_number) == 4 and every(by_number) == ids(children)
    assert forward == by_number and backward == by_number
    assert all("after=" in x for x in links[:3])


def test_a_cursor_that_is_not_one_is_ignored(children: list[Any], login: Any) -> None:
    client = login("caseworker")
    second = rows(client.get("/children/?page=2"), "/children/")
    for junk in ("x", "WyJhIl0", "eyJhIjoxfQ", "W3RydWUsMSwyXQ"):  # not base64 JSON, 1 key, a dict, a bool
        assert rows(client.get(f"/children/?page=2&after={junk}"), "/children/") == second


def test_large_counts_are_remembered_for_a_minute_and_small_ones_never(db: None) -> None:
    cache.clear()
    AuditEvent.objects.bulk_create(AuditEvent(action="test.big", summary="x") for _ in range(COUNT_CACHE_FROM))
    AuditEvent.objects.bulk_create(AuditEvent(action="test.small", summary="x") for _ in range(3))
    big, small = AuditEvent.objects.filter(action="test.big"), AuditEvent.objects.filter(action="test.small")
    assert cached_count(big) == COUNT_CACHE_FROM and cached_count(small) == 3
    AuditEvent.objects.bulk_create([AuditEvent(action="test.big", summary="x"), AuditEvent(action="test.small")])
    assert cached_count(big) == COUNT_CACHE_FROM  # the remembered total (a minute old at most)
    assert cached_count(big.filter(summary="x")) == COUNT_CACHE_FROM + 1  # another query: counted
    assert cached_count(small) == 4
    cache.clear()


def _audit_rows(action: str, n: int) -> Any:
    AuditEvent.objects.bulk_create(AuditEvent(action=action, summary="x") for _ in range(n))
    return AuditEvent.objects.filter(action=action)


def test_past_its_minute_one_request_recounts_while_the_others_show_the_total(db: None, monkeypatch: Any) -> None:
    cache.clear()
    big = _audit_rows("test.big", COUNT_CACHE_FROM)
    assert cached_count(big) == COUNT_CACHE_FROM
    _audit_rows("test.big", 1)
    later = time.time() + pagination.COUNT_CACHE_SECONDS + 1
    monkeypatch.setattr(pagination, "_now", lambda: later)
    recount = f"{pagination.count_key(big)}:recount"
    assert cache.add(recount, True)  # another process is recounting
    assert cached_count(big) == COUNT_CACHE_FROM  # this request shows the total it has
    cache.delete(recount)  # that process died before it finished: this request takes the recount
    assert cached_count(big) == COUNT_CACHE_FROM + 1
    assert cache.get(recount) is None  # and lets the next one go after another minute
    _audit_rows("test.big", 1)
    assert cached_count(big) == COUNT_CACHE_FROM + 1  # fresh again for a minute
    cache.clear()


def test_a_total_that_fell_small_is_counted_every_time_again(db: None, monkeypatch: Any) -> None:
    from shouhu.casework.models import CalendarDay

    cache.clear()
    start = datetime.date(1990, 1, 1)
    CalendarDay.objects.bulk_create(
        CalendarDay(date=start + datetime.timedelta(days=i), is_working=False, note="test")
        for i in range(COUNT_CACHE_FROM)
    )
    days = CalendarDay.objects.filter(note="test")
    assert cached_count(days) == COUNT_CACHE_FROM
    days.filter(date=start).delete()
    later = time.time() + pagination.COUNT_CACHE_SECONDS + 1
    monkeypatch.setattr(pagination, "_now", lambda: later)
    assert cached_count(days) == COUNT_CACHE_FROM - 1
    days.filter(date=start + datetime.timedelta(days=1)).delete()
    assert cached_count(days) == COUNT_CACHE_FROM - 2  # not a minute later: counted at once
    cache.clear()


def test_web_processes_share_what_they_remember(tmp_path: Any) -> None:
    """The product's cache is in files under SHOUHU_DATA_DIR: what one process remembers, another
    reads (a per-process cache had every gunicorn worker count each large total itself)."""
    data = str(tmp_path / "data")
    with scratch_database(tmp_path) as url:
        shouhu_run(["shell", "-c", "from django.core.cache import cache; cache.set('total', 4242)"], url,
                   SHOUHU_DATA_DIR=data)  # fmt: skip
        read = "from django.core.cache import cache; print('total', cache.get('total'))"
        assert "total 4242" in shouhu_run(["shell", "-c", read], url, SHOUHU_DATA_DIR=data)


@pytest.mark.parametrize("target", ["children", "eligible"])
def test_typed_deep_pages_remember_where_they_start(
    children: list[Any], login: Any, monkeypatch: Any, target: str
) -> None:
    """A page number without a cursor is found by OFFSET once, then from its remembered first row:
    the same rows either way."""
    from shouhu.web import pagination

    cache.clear()
    monkeypatch.setattr(pagination, "ANCHOR_FROM", 2)  # from page 2 on (2 rows a page)
    client = login("caseworker")
    if target == "eligible":
        run_screening(screening_request(actor=None, region_code=COUNTY, as_of=today()))
        base, link = f"/eligibility/counts/children/?region={COUNTY}&code=T21", "/eligibility/children/"
    else:
        base, link = "/children/?status=active", "/children/"
    first, _forward, _backward, _links = walk(client, base, link)
    assert cache._list_cache_files()  # type: ignore[attr-defined]  # the starts (these counts are too small to keep)
    again, _forward, _backward, _links = walk(client, base, link)  # read from the remembered starts
    assert again == first and every(again) == ids(children)
    cache.clear()
