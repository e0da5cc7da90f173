"""The main navigation marks one item, the one the page belongs to."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shouhu.accounts.models import User
from shouhu.accounts.personas import PERSONA_KEYS
from shouhu.web.navigation import nav_items_for

pytestmark = pytest.mark.django_db

# Pages under another item's prefix: /policy/ (任务分工) holds /policy/supervision/ (督办), /users/
# (用户) holds /users/api-tokens/ (接口令牌), /referrals/ (转介) holds /referrals/supervision/.
NESTED = {
    "/policy/supervision/": "督办",
    "/policy/supervision/queue/": "督办",
    "/policy/": "任务分工",
    "/users/api-tokens/": "接口令牌",
    "/users/new/": "用户",
    "/referrals/supervision/": "转介督办",
    "/referrals/": "转介",
    "/": "首页",
    "/notifications/": None,
}


@pytest.mark.parametrize("key", PERSONA_KEYS)
def test_one_item_is_active_on_every_nav_page(personas: dict[str, User], key: str) -> None:
    user = personas[key]
    items = nav_items_for(user, "/")
    for item in items:
        active = [i.label for i in nav_items_for(user, item.url + "anything/")]
        assert active.count(item.label) <= 1
        marked = [i.label for i in nav_items_for(user, item.url) if i.active]
        assert marked == [item.label], (key, item.url, marked)


def test_nested_pages_mark_their_own_item(personas: dict[str, User]) -> None:
    for key in ("admin", "caseworker"):
        for path, label in NESTED.items():
            marked = [i.label for i in nav_items_for(personas[key], path) if i.active]
            if label is None or label not in [i.label for i in nav_items_for(personas[key], "/")]:
                assert len(marked) <= 1, (key, path, marked)
            else:
                assert marked == [label], (key, path, marked)


def test_rendered_page_has_one_current_item(login: object) -> None:
    client = login("admin")  # type: ignore[operator]
    html = client.get("/users/api-tokens/").content.decode()
    nav = html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    assert len(re.findall(r'aria-current="page"', nav)) == 1
    assert re.search(r'<a href="/users/api-tokens/" aria-current="page">', nav)


def test_the_custody_entry_is_for_the_units_that_record_or_follow_notices(personas: dict[str, User]) -> None:
    """An entry may be decided by the access layer when the role alone does not (not every officer)."""
    shown = {key for key, user in personas.items() if "拘留服刑通知" in [i.label for i in nav_items_for(user, "/")]}
    assert shown == {"admin", "caseworker", "officer_p", "officer_j", "supervisor_a", "supervisor_b"}


@pytest.mark.django_db
def test_the_bell_counts_up_to_99_and_then_says_99_plus(personas: dict[str, User], login: Any) -> None:
    """The bell's count stops at the cap (one query with LIMIT): the exact number below it, 99+
    from it on, and the spoken label says so."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shouhu.core.models import Notification
    from shouhu.core.notifications import BELL_CAP

    user = personas["caseworker"]
    client = login("caseworker")
    Notification.objects.filter(recipient=user).delete()
    Notification.objects.bulk_create(Notification(recipient=user, title=f"通知 {i}") for i in range(BELL_CAP - 1))
    page = client.get("/").content.decode()
    assert re.search(r'data-testid="bell" aria-label="通知：99 条未读"', page)
    assert re.search(r'<span class="badge behind">99</span>', page)
    Notification.objects.bulk_create(Notification(recipient=user, title=f"更多 {i}") for i in range(30))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/").content.decode()
    assert 'aria-label="通知：99 条以上未读"' in page and '<span class="badge behind">99+</span>' in page
    counts = [q["sql"] for q in ctx.captured_queries if "core_notification" in q["sql"] and "COUNT" in q["sql"]]
    assert counts and all(f"LIMIT {BELL_CAP}" in sql for sql in counts)
