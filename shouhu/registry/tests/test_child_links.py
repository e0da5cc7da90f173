"""The child's page links to its eligibility, its timeline and (for windows) a new intake."""

from __future__ import annotations

import pytest

from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.tests.example import EXAMPLE

pytestmark = pytest.mark.django_db


def test_child_page_links(login) -> None:  # type: ignore[no-untyped-def]
    record, _ = parse_record(EXAMPLE)
    assert record is not None
    child = services.child_register(actor=None, record=record)
    supervisor = login("supervisor_a").get(f"/children/{child.pk}/").content.decode()
    assert f"/eligibility/children/{child.pk}/" in supervisor
    assert f"/referrals/children/{child.pk}/timeline/" in supervisor
    assert f"/intake/new/?child={child.pk}" in supervisor
    director = login("director_a").get(f"/children/{child.pk}/").content.decode()
    assert f"/intake/new/?child={child.pk}" not in director


def _tabs(html: str) -> str:
    return html.split('data-testid="child-tabs"', 1)[1].split("</nav>", 1)[0]


def test_child_pages_share_tabs_with_the_current_one_marked(login) -> None:  # type: ignore[no-untyped-def]
    record, _ = parse_record(EXAMPLE)
    assert record is not None
    child = services.child_register(actor=None, record=record)
    client = login("supervisor_a")
    pages = {
        f"/children/{child.pk}/": "档案",
        f"/eligibility/children/{child.pk}/": "资格与措施",
        f"/referrals/children/{child.pk}/timeline/": "时间线",
    }
    for url, label in pages.items():
        tabs = _tabs(client.get(url).content.decode())
        assert tabs.count('aria-current="page"') == 1, url
        assert f'<a href="{url}" aria-current="page">{label}</a>' in tabs, url
        for other in pages:
            assert f'href="{other}"' in tabs


def test_hukou_region_shown_by_name(login) -> None:  # type: ignore[no-untyped-def]
    record, _ = parse_record(EXAMPLE)
    assert record is not None
    child = services.child_register(actor=None, record=record)
    html = login("supervisor_a").get(f"/children/{child.pk}/").content.decode()
    hukou = html.split('data-testid="hukou">', 1)[1].split("</dd>", 1)[0]
    assert hukou == "桓仁镇 · 东关村"
    assert "210522100201" not in html
