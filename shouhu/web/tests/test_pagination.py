"""Pagination of the long lists (issue 7): the pager's links seek by keys and show exactly the
pages that page numbers show; large totals are remembered for a minute, small ones never."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.core.models import AuditEvent
from shouhu.eligibility.screening import run_screening, screening_request
from shouhu.eligibility.tests.eligibility_factories import disabled_child, today
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
    assert any(k.startswith(":1:shouhu:anchor:") for k in cache._cache)  # type: ignore[attr-defined]
    again, _forward, _backward, _links = walk(client, base, link)  # read from the remembered starts
    assert again == first and every(again) == ids(children)
    cache.clear()
