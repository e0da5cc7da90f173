"""Read replica: dashboards, lists and exports read from the "replica" database alias when one is
configured (SHOUHU_REPLICA_URL) and keeps up; every write and every other read uses "default".

Which requests may read from the replica is decided here, by URL name (READ_PAGES), by
`ReplicaMiddleware`; views know nothing about it. A request is routed when it is a GET or HEAD of
one of those pages, and it stops being routed the moment it writes anything (read-your-writes
inside the request). After a browser's write (any POST, PUT, PATCH or DELETE) a cookie keeps that
browser on the primary for SHOUHU_REPLICA_MAX_LAG_SECONDS, so a user sees their own changes.

Before it is used the replica is checked (at most every REPLICA_CHECK_SECONDS per process): it
must answer and its replay lag must be under SHOUHU_REPLICA_MAX_LAG_SECONDS; otherwise reads go
to the primary and one warning is logged per change of state. If a replica query fails in the
middle of a page, the page is done again on the primary: a replica that is down never turns a
page into an error. docs/scaling.md ("Read replica") describes the setup.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("shouhu.replica")

REPLICA = "replica"
PIN_COOKIE = "shouhu_primary"

# Dashboards, lists and exports (namespace:name as in shouhu/*/urls.py). Detail pages, forms and
# progress pages are left out on purpose: they are read right after the user's own writes.
READ_PAGES: frozenset[str] = frozenset(
    {
        # home page (each role's dashboard)
        "home",
        # the children registry: list and search, roster export, duplicate review list
        "registry:list",
        "registry:export",
        "registry:duplicates",
        # the task-division table: task list, county and township pages, Excel export of a version
        "policy:tasks",
        "policy:matrix",
        "policy:matrix_xlsx",
        "policy:township",
        "policy:import_export",
        # supervision (督办): the matrix, own and review queues, county and department reports
        "policy:supervision",
        "policy:supervision_mine",
        "policy:supervision_queue",
        "policy:supervision_export_county",
        "policy:supervision_export_department",
        # inboxes: referrals, the window's intake list, the referral supervision table
        "referrals:inbox",
        "referrals:supervision",
        "intake:list",
        # screening counts, their children lists and exports
        "eligibility:counts",
        "eligibility:counts_export",
        "eligibility:counts_list",
        "eligibility:counts_list_export",
        # the audit log
        "audit:list",
    }
)

# Always read from the primary, even on a routed page: who is logged in (a deactivated user or a
# new session must count at once) and Django's own auth tables.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth"})


def primary_only(model: type[Model]) -> bool:
    return model._meta.app_label in PRIMARY_ONLY_APPS or model._meta.label == settings.AUTH_USER_MODEL


def configured() -> bool:
    return REPLICA in connections.settings


def max_lag_seconds() -> float:
    return float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 30))


# -- health ------------------------------------------------------------------------------------

OK, LAGGING, DOWN, UNKNOWN = "ok", "lagging", "down", "unknown"

# One row: is it a standby, is its WAL receiver running, has it replayed all it received, how old is
# the last transaction it replayed (seconds), is replay paused. The CASE keeps
# pg_is_wal_replay_paused() from being called on a server that is not in recovery (it raises there).
PROBE_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       COALESCE(pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(), false),
       EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8,
       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END
"""


@dataclass(frozen=True)
class ReplicaStatus:
    state: str  # OK, LAGGING, DOWN or UNKNOWN (not checked yet)
    lag: float | None = None  # seconds; None when unknown
    detail: str = ""

    @property
    def usable(self) -> bool:
        return self.state == OK


def judge(row: tuple[bool, bool, bool, float | None, bool], max_lag: float) -> ReplicaStatus:
    """The replica's state from one PROBE_SQL row.

    `now() - pg_last_xact_replay_timestamp()` alone is wrong both ways: on an idle primary it grows
    although the replica has everything, and it is NULL until a first transaction is replayed. So:
    a server not in recovery is current (lag 0); a standby whose WAL receiver is streaming and that
    has replayed everything it received is current too (lag 0: the primary sends its WAL as it
    writes it); otherwise (WAL waiting to be replayed, replay paused, receiver disconnected) the lag
    is the age of the last replayed transaction, and unknown (not usable) when there is none.
    """
    in_recovery, receiving, caught_up, replay_age, paused = row
    if not in_recovery:
        return ReplicaStatus(OK, 0.0, "不在恢复模式（不是备库）")
    if receiving and caught_up:
        return ReplicaStatus(OK, 0.0, "已回放收到的全部 WAL" + ("（回放已暂停）" if paused else ""))
    why = "回放已暂停" if paused else ("WAL 接收进程未运行" if not receiving else "WAL 待回放")
    if replay_age is None:
        return ReplicaStatus(LAGGING, None, f"{why}，尚未回放任何事务")
    lag = max(float(replay_age), 0.0)
    state = OK if lag <= max_lag else LAGGING
    return ReplicaStatus(state, lag, f"{why}，延迟 {lag:.1f} 秒")


def probe(alias: str = REPLICA) -> ReplicaStatus:
    """Ask the replica (on this thread's connection) how far behind it is."""
    max_lag = max_lag_seconds()
    conn = connections[alias]
    try:
        with conn.cursor() as cursor:
            if conn.vendor != "postgresql":
                cursor.execute("SELECT 1")
                return ReplicaStatus(OK, 0.0, f"{conn.vendor}：无复制延迟信息")
            cursor.execute(PROBE_SQL)
            row = cursor.fetchone()
    except Exception as exc:  # any failure (refused, timed out, forbidden in a test) means "do not use"
        with contextlib.suppress(Exception):
            conn.close()
        return ReplicaStatus(DOWN, None, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    status = judge(row, max_lag)
    if status.state == LAGGING and status.lag is not None:
        status = ReplicaStatus(LAGGING, status.lag, f"{status.detail}，超过上限 {max_lag:g} 秒")
    return status


class ReplicaHealth:
    """The replica's last known state in this process, checked again after REPLICA_CHECK_SECONDS.

    One thread checks at a time; the others use the last known state meanwhile (a process that
    has not checked yet reads from the primary). Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status = ReplicaStatus(UNKNOWN)
        self._checked_at = -math.inf

    @property
    def status(self) -> ReplicaStatus:
        return self._status

    def usable(self) -> bool:
        if time.monotonic() - self._checked_at >= float(getattr(settings, "REPLICA_CHECK_SECONDS", 5)):
            self.check(wait=False)
        return self._status.usable

    def check(self, *, wait: bool = True) -> ReplicaStatus:
        """Probe now (or, with wait=False, only if no other thread is probing) and record it."""
        if not self._lock.acquire(blocking=wait):
            return self._status
        try:
            status = probe()
            self._checked_at = time.monotonic()
            self._record(status)
        finally:
            self._lock.release()
        return status

    def _record(self, status: ReplicaStatus) -> None:
        before, self._status = self._status, status
        if status.state == before.state:
            return
        if status.usable:
            # The first look of a process is news only when it finds trouble.
            level = logging.INFO if before.state == UNKNOWN else logging.WARNING
            logger.log(level, "只读副本可用，列表与报表改从副本读取（%s）", status.detail)
        elif status.state == LAGGING:
            logger.warning("只读副本延迟过大，读取改回主库（%s）", status.detail)
        else:
            logger.warning("只读副本不可用，读取改回主库（%s）", status.detail)


health = ReplicaHealth()


# -- routing -----------------------------------------------------------------------------------


@dataclass
class _Route:
    """A request that may read from the replica, and what happened to it so far."""

    view: Callable[..., HttpResponse]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    wrote: bool = False  # it wrote: read from the primary from now on
    used: bool = False  # a read was sent to the replica
    retried: bool = False  # the page is being done again on the primary


_route: ContextVar[_Route | None] = ContextVar("shouhu_replica_route", default=None)


class ReplicaRouter:
    """Reads of a routed request go to the replica while it is usable; everything else to default.

    Without a "replica" alias every method returns None: Django's default routing, unchanged.
    """

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not configured():
            return None
        route = _route.get()
        if route is None or route.wrote or route.retried or primary_only(model):
            return DEFAULT_DB_ALIAS
        if not health.usable():
            return DEFAULT_DB_ALIAS
        route.used = True
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        if not configured():
            return None
        route = _route.get()
        if route is not None:
            route.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica is a copy of the same data: objects from either may be related.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


class ReplicaMiddleware:
    """Marks GET/HEAD requests for READ_PAGES as replica reads; redoes such a page on the primary
    if a replica query failed; keeps a browser on the primary for a while after it wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _route.set(None)
        try:
            response = self.get_response(request)
        finally:
            _route.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and configured():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=max(math.ceil(max_lag_seconds()), 1),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        match = request.resolver_match
        if (
            configured()
            and request.method in ("GET", "HEAD")
            and match is not None
            and match.view_name in READ_PAGES
            and PIN_COOKIE not in request.COOKIES
        ):
            _route.set(_Route(view_func, tuple(view_args), dict(view_kwargs)))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        route = _route.get()
        if route is None or not route.used or route.retried or not isinstance(exception, Error):
            return None
        if not connections[REPLICA].errors_occurred:
            return None  # the replica did nothing wrong: the primary failed
        status = health.check()
        logger.warning("只读副本查询失败（%s；%s），本页改由主库重做", exception, status.detail)
        route.retried = True
        return route.view(request, *route.args, **route.kwargs)
