"""Pagination for the lists: numbered pages (`?page=N`, 50 rows each), kept cheap when a list
holds tens of thousands of rows (docs/performance.md, "Web under load"):

- **Counts.** A list's total ("共 N 条", and so the number of pages) is counted once and, when it
  is large (at least `COUNT_CACHE_FROM` rows), remembered for `COUNT_CACHE_SECONDS` in the cache
  every web process shares: counting a province's children or a township's eligible children is
  the costliest query of such a page, and a total a minute old is as useful. When it is older,
  one request recounts while the others still show it (`cached_count`). Small lists are counted
  every time.
- **Keyset links.** A list that names its ordering (`keys=`, ending in a unique key) links to the
  next and previous pages by the last and first row's keys (`?page=N&after=…` / `&before=…`), so
  page 500 is read from the index at that position instead of counting past 24,950 rows. The rows
  are the same as page N by position; a page number alone (typed, bookmarked) still works, by
  OFFSET, and a deep one remembers where it starts for a minute (`_by_position`).
- **Deferred rows.** A keyed list selects its page's unique keys in a subquery (which an index
  can answer without reading the table) and the rows by those keys, in one query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleGreaterThanOrEqual,
    TupleLessThan,
    TupleLessThanOrEqual,
)
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.http import urlencode

COUNT_CACHE_FROM = 1000
COUNT_CACHE_SECONDS = 60
COUNT_KEEP_SECONDS = 600  # how long a total past its minute may still be shown while one request recounts
RECOUNT_SECONDS = 60  # a recount that never finished (its process died) is taken again after this
ANCHOR_FROM = 1000  # rows before a page from which its start is remembered (see _by_position)
CURSOR_PARAMS = ("page", "after", "before")


def cached_count(items: Any) -> int:
    """`items.count()`, remembered for a minute when it is at least `COUNT_CACHE_FROM` (in the
    cache all web processes share, keyed by the query's SQL and parameters, so it never answers for
    another query). Past the minute, the first request to take the recount counts again while the
    others go on showing the remembered total (kept up to `COUNT_KEEP_SECONDS`): each total is
    counted about once a minute on the machine, not once per process, and requests do not pile
    up behind a count."""
    if not isinstance(items, QuerySet):
        return len(items)
    key = count_key(items)
    if key is None:
        return 0
    found, recount = cache.get(key), f"{key}:recount"
    if found is not None:
        count, fresh_until = found
        if _now() < fresh_until or not cache.add(recount, True, RECOUNT_SECONDS):
            return int(count)
    count = items.count()
    if count >= COUNT_CACHE_FROM:
        cache.set(key, (count, _now() + COUNT_CACHE_SECONDS), COUNT_KEEP_SECONDS)
    if found is not None:  # this request took the recount
        if count < COUNT_CACHE_FROM:
            cache.delete(key)  # now small: counted every time again
        cache.delete(recount)
    return count


def count_key(items: QuerySet[Any]) -> str | None:
    """The cache key of `items`' total (None: the query cannot match anything)."""
    try:
        sql, params = items.query.sql_with_params()
    except EmptyResultSet:
        return None
    return "shouhu:count:" + hashlib.sha256(f"{items.db}\n{sql}\n{params!r}".encode()).hexdigest()


def _now() -> float:
    return time.time()


class CountingPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return cached_count(self.object_list)


def paginate(request: HttpRequest, items: Any, per_page: int | None = None, *, keys: Sequence[str] = ()) -> Page:
    """The requested page of `items`. With `keys` (the list's ordering, the last one unique) the
    page is read by keyset from the cursor in the link, and its rows are fetched by their keys."""
    paginator = CountingPaginator(items, per_page or settings.SHOUHU_PAGE_SIZE)
    if not keys or not isinstance(items, QuerySet):
        page = paginator.get_page(request.GET.get("page"))
        _plain_links(page)
        return page
    try:
        number = paginator.validate_number(request.GET.get("page") or 1)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    ordered = items.order_by(*keys)
    rows: list[Any] = []
    after, before = _cursor(request.GET.get("after"), keys), _cursor(request.GET.get("before"), keys)
    if after is not None and number > 1:
        rows = _rows(ordered, keys, ordered.filter(_beyond(keys, after, forward=True)), 0, paginator.per_page)
    elif before is not None:
        backwards = ordered.filter(_beyond(keys, before, forward=False)).order_by(*(f"-{k}" for k in keys))
        rows = _rows(ordered, keys, backwards, 0, paginator.per_page)
    if not rows:  # no cursor, or nothing left at it: by position
        rows = _by_position(ordered, keys, number, paginator.per_page)
    page = Page(rows, number, paginator)
    first, last = (_keys(rows[0], keys), _keys(rows[-1], keys)) if rows else (None, None)
    page.previous_params = _params(number - 1, before=first) if number > 2 and first else "page=1"  # type: ignore[attr-defined]
    page.next_params = _params(number + 1, after=last) if last else ""  # type: ignore[attr-defined]
    return page


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for pagination links that keep them."""
    params = request.GET.copy()
    for name in CURSOR_PARAMS:
        params.pop(name, None)
    return params.urlencode()


def _plain_links(page: Page) -> None:
    page.previous_params = f"page={page.number - 1}"  # type: ignore[attr-defined]
    page.next_params = f"page={page.number + 1}"  # type: ignore[attr-defined]


def _beyond(keys: Sequence[str], values: Sequence[Any], *, forward: bool, inclusive: bool = False) -> Q:
    """Rows after (or before) the cursor in the keys' order: `(k1…kn) > (v1…vn)`, said as
    `(k1…kn-1) >= (v1…vn-1) AND ((k1…kn-1) > (v1…vn-1) OR kn > vn)` so that the leading keys can
    start an index scan even when the unique last key lives in another table (a join's foreign key).
    `inclusive`: the cursor's own row too (`kn >= vn`)."""
    last = Q(**{f"{keys[-1]}__{'gt' if forward else 'lt'}{'e' if inclusive else ''}": values[-1]})
    if len(keys) == 1:
        return last
    lead = Tuple(*(F(k) for k in keys[:-1]))
    reach = (TupleGreaterThanOrEqual if forward else TupleLessThanOrEqual)(lead, values[:-1])
    past = (TupleGreaterThan if forward else TupleLessThan)(lead, values[:-1])
    return Q(reach) & (Q(past) | last)


def _by_position(ordered: QuerySet[Any], keys: Sequence[str], number: int, size: int) -> list[Any]:
    """Page `number` by OFFSET. A deep page (from `ANCHOR_FROM` rows on) also remembers its first
    row's keys for `COUNT_CACHE_SECONDS` (shared by the web processes, keyed by the query's SQL, so per scope), and
    is read from there by keyset the next time: a typed `?page=500` walks 24,950 rows once a minute,
    not on every request. Like a remembered total, it may be a minute behind."""
    start = (number - 1) * size
    if start < ANCHOR_FROM:
        return _rows(ordered, keys, ordered, start, size)
    try:
        sql, params = ordered.query.sql_with_params()
    except EmptyResultSet:
        return []
    key = "shouhu:anchor:" + hashlib.sha256(f"{ordered.db}\n{sql}\n{params!r}\n{start}".encode()).hexdigest()
    anchor = cache.get(key)
    if anchor is not None:
        rows = _rows(ordered, keys, ordered.filter(_beyond(keys, anchor, forward=True, inclusive=True)), 0, size)
        if rows:
            return rows
    rows = _rows(ordered, keys, ordered, start, size)
    if rows:
        cache.set(key, list(_keys(rows[0], keys)), COUNT_CACHE_SECONDS)
    return rows


def _rows(ordered: QuerySet[Any], keys: Sequence[str], window: QuerySet[Any], start: int, size: int) -> list[Any]:
    """The page: `window`'s unique keys `start…start+size` (a subquery an index can answer without
    reading the table), then those rows in the list's order, in one query."""
    unique = keys[-1]
    chosen = window.values(unique)[start : start + size]
    return list(ordered.filter(**{f"{unique}__in": chosen}))


def _keys(obj: Any, keys: Sequence[str]) -> tuple[Any, ...]:
    values = []
    for path in keys:
        value = obj
        for part in path.split("__"):
            value = getattr(value, part)
        values.append(value)
    return tuple(values)


def _params(number: int, **cursor: tuple[Any, ...]) -> str:
    (name, values), *_ = cursor.items()
    return urlencode({"page": str(number), name: _encode(values)})


def _encode(values: tuple[Any, ...]) -> str:
    raw = json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(raw: str | None, keys: Sequence[str]) -> list[Any] | None:
    """The key values in a link's cursor, or None when absent or not a cursor for these keys."""
    if not raw:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        return None
    return values
