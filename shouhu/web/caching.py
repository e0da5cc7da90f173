"""Reads that do not change between requests, kept instead of rebuilt (docs/performance.md, "Web under load").

- **Per request.** `shared()` remembers a value for the rest of the request (set up on
  `request_started`, dropped on `request_finished`: web/receivers.py), so a page that asks for the current table or
  the reorganisation graph five times builds it once.
- **Across requests, per process.** Outside a transaction the value is also kept in the process
  under the *generation* of its family (`CacheGeneration`, one short query per request and
  family). The services that change what a family's reads return call `bump(family)` in their own
  transaction: the new token commits with the data, so the next request of every process sees it
  and builds again. Inside a transaction nothing is kept across requests (what it reads may be its
  own uncommitted writes, and tests run inside one). With a read replica a request reads the token
  and what it builds from the same database (a request's reads only ever move from the replica to
  the primary), so a value is never kept under a token newer than its data.

Only data that is the same for every user is kept here (the task table, the reorganisations, the
county's townships); a key names everything its value depends on. Scoped reads never are.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import connection, transaction

T = TypeVar("T")

POLICY = "policy"  # the task table, its tasks and units, reorganisations, departments, townships
# Names of codes (rules, parameters) for templates: never bumped, so there is never a token and they
# are kept for one request only (a page that names forty codes reads the names once).
LABELS = "labels"

_request_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("shouhu_request_memo", default=None)
_kept: dict[tuple[str, Hashable], tuple[str, Any]] = {}  # (family, key) -> (token, value)
MAX_KEPT = 20_000  # a bound on what a process keeps (tasks × days × townships stay below it)


def start_request(**_: Any) -> None:
    _request_memo.set({})


def end_request(**_: Any) -> None:
    _request_memo.set(None)


def generation(family: str) -> str | None:
    """The family's current token (None before the first change)."""
    from .models import CacheGeneration

    memo = _request_memo.get()
    if memo is not None and ("generation", family) in memo:
        return memo["generation", family]  # type: ignore[no-any-return]
    token = CacheGeneration.objects.filter(name=family).values_list("token", flat=True).first()
    if memo is not None:
        memo["generation", family] = token
    return token


def cache_key(key: str, key_prefix: str, version: int) -> str:
    """Django's cache key, naming the database: the cache is shared by every process on the machine
    (settings.CACHES), and a count or a page start is true only of the database it was read from."""
    from django.db import connections

    return f"{connections['default'].settings_dict['NAME']}:{key_prefix}:{version}:{key}"


def shared(family: str, key: Hashable, build: Callable[[], T]) -> T:
    """`build()`, remembered for the request and, outside transactions, across requests until
    the family's next `bump`. The value must not depend on the user, and callers must not change it."""
    memo = _request_memo.get()
    if memo is not None and (family, key) in memo:
        return memo[family, key]  # type: ignore[no-any-return]
    token = None if connection.in_atomic_block else generation(family)
    found = _kept.get((family, key)) if token is not None else None
    if found is not None and found[0] == token:
        value = found[1]
    else:
        value = build()
        if token is not None:  # no row (a database flushed by a test): nothing is kept
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[family, key] = (token, value)
    if memo is not None:
        memo[family, key] = value
    return value


def bump(family: str) -> None:
    """Call in the transaction of every write that changes what the family's reads return."""
    from .models import CacheGeneration

    token = uuid.uuid4().hex
    CacheGeneration.objects.update_or_create(name=family, defaults={"token": token})
    forget(family)
    # This process also forgets once the change is committed (another request of this process
    # may have kept the old value under the old token meanwhile; the token check catches that).
    transaction.on_commit(lambda: forget(family))


def forget(family: str) -> None:
    """Drop what this process and this request remember of `family`."""
    for kept in [k for k in _kept if k[0] == family]:
        _kept.pop(kept, None)
    memo = _request_memo.get()
    if memo is not None:
        for remembered in [k for k in memo if isinstance(k, tuple) and family in k[:2]]:
            memo.pop(remembered, None)
