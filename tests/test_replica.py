"""The read replica (shouhu/core/replica.py) against a real PostgreSQL streaming replica.

The replica is a second cluster on 127.0.0.1 made by scripts/replica-demo.sh (pg_basebackup -R of
the primary the suite runs on), taken once the test database exists so that the copy has it; the
tests then write on the primary (transactional tests: the writes are committed and stream) and
watch where each page reads. The cluster is stopped and removed when the module ends. On SQLite,
or without PostgreSQL's programs, those tests are skipped; the checks of the URL names and of the
lag rules run everywhere.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shouhu.accounts.models import User
from shouhu.core import replica
from shouhu.core.models import AuditEvent
from shouhu.core.testing.processes import free_port
from shouhu.core.testing.walk import iter_routes
from shouhu.registry.models import Child
from shouhu.registry.tests.ui_factories import register

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "replica-demo.sh"
LIST = "/children/"
EXPORT = "/children/io/export/?format=jsonl"


# -- everywhere --------------------------------------------------------------------------------


def test_read_pages_are_url_names_of_the_product() -> None:
    names = {route.name for route in iter_routes()}
    assert replica.READ_PAGES - names == set()


@pytest.mark.parametrize(
    ("row", "state", "lag"),
    [
        ((False, False, False, None, False), replica.OK, 0.0),  # a primary: current by definition
        ((True, True, True, 7200.0, False), replica.OK, 0.0),  # idle primary: old timestamp, nothing to replay
        ((True, True, True, 7200.0, True), replica.OK, 0.0),  # paused but has everything it received
        ((True, True, False, 2.5, False), replica.OK, 2.5),  # replaying, behind by the last commit's age
        ((True, True, False, 45.0, False), replica.LAGGING, 45.0),
        ((True, True, False, 45.0, True), replica.LAGGING, 45.0),  # paused with WAL waiting
        ((True, True, False, None, False), replica.LAGGING, None),  # nothing replayed yet: unknown
        ((True, False, True, 45.0, False), replica.LAGGING, 45.0),  # receiver down: trust only the timestamp
    ],
)
def test_lag_rules(row: tuple[bool, bool, bool, float | None, bool], state: str, lag: float | None) -> None:
    status = replica.judge(row, max_lag=30)
    assert (status.state, status.lag) == (state, lag)
    assert status.usable == (state == replica.OK)


@pytest.mark.django_db
def test_without_a_replica_routing_is_djangos(login: Callable[[str], Client]) -> None:
    if replica.configured():
        pytest.skip("SHOUHU_REPLICA_URL is set for this run")
    router = replica.ReplicaRouter()
    assert router.db_for_read(Child) is None and router.db_for_write(Child) is None
    response = login("caseworker").post("/notifications/read/")
    assert response.status_code == 302 and replica.PIN_COOKIE not in response.cookies


# -- a real streaming replica ------------------------------------------------------------------


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))
    return str(Path(found[-1]).parent) if found else None


def _script(command: str, directory: Path, port: int, primary_port: str, pg_bin: str) -> None:
    env = {**os.environ, "REPLICA_PORT": str(port), "PRIMARY_PORT": primary_port, "PG_BIN": pg_bin}
    done = subprocess.run(  # noqa: S603  (our own script)
        [str(SCRIPT), command, str(directory)], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"replica-demo.sh {command} failed:\n{done.stdout}{done.stderr}")


@pytest.fixture(scope="module")
def replica_server(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Callable[[], None]]:
    """A streaming replica of the primary with the test database on it, as the "replica" alias;
    yields a function that stops it."""
    default = connections["default"].settings_dict
    if default["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the read replica is a PostgreSQL streaming replica; this run is on SQLite")
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL's programs (pg_basebackup, pg_ctl) are not installed")
    if (default["HOST"] or "127.0.0.1") not in ("127.0.0.1", "localhost"):
        pytest.skip("the demonstration copies a primary on 127.0.0.1 only")
    port, primary_port = free_port(), str(default["PORT"] or 5432)
    directory = Path(f"/tmp/shouhu-replica-test-{os.getpid()}")  # the server's user must reach it
    previous = connections.settings.get(replica.REPLICA)
    _script("start", directory, port, primary_port, pg_bin)
    try:
        options = {**default.get("OPTIONS", {}), "connect_timeout": 2}
        connections.settings[replica.REPLICA] = {
            **default,  # NAME is the test database's by now
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "OPTIONS": options,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {**default["TEST"], "MIRROR": "default"},
        }
        with contextlib.suppress(AttributeError):
            del connections[replica.REPLICA]
        with django_db_blocker.unblock():
            _wait(lambda: replica.probe().state != replica.DOWN, "the replica to accept connections")
        yield lambda: _script("stop", directory, port, primary_port, pg_bin)
    finally:
        with contextlib.suppress(Exception):
            connections[replica.REPLICA].close()
        with contextlib.suppress(AttributeError):
            del connections[replica.REPLICA]
        if previous is None:
            connections.settings.pop(replica.REPLICA, None)
        else:
            connections.settings[replica.REPLICA] = previous
        _script("stop", directory, port, primary_port, pg_bin)


def _wait(condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
    # Generous: the replica replays the whole primary cluster, which other work may keep busy.
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.2)


def _replica_value(sql: str, *params: Any) -> Any:
    with connections[replica.REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _primary_lsn() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


def _wait_replayed() -> None:
    lsn = _primary_lsn()
    _wait(lambda: _replica_value("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn), f"replay up to {lsn}")


def _tables(queries: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"] for q in queries.captured_queries)


def _replica_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "shouhu.replica"]


def _new_child(actor: User, name: str) -> Child:
    return register(actor, name=name, id_number=None, no_id_reason="未办理户口")


# Committed writes (they must stream); reference data comes back after each flush.
REPLICA_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])


@REPLICA_DB
def test_a_row_written_on_the_primary_streams_to_the_replica(replica_server: Any, personas: dict[str, User]) -> None:
    child = _new_child(personas["caseworker"], "流复制")
    _wait(lambda: Child.objects.using(replica.REPLICA).filter(pk=child.pk).exists(), "the child on the replica")
    assert _replica_value("SELECT pg_is_in_recovery()") is True
    assert Child.objects.using(replica.REPLICA).get(pk=child.pk).name == "流复制"


@REPLICA_DB
def test_lists_and_exports_read_the_replica_and_audit_the_primary(
    replica_server: Any, personas: dict[str, User], login: Callable[[str], Client], settings: Any
) -> None:
    # The machine's primary may be busy with other databases' bulk loads: its replay-timestamp lag
    # can pass 30 s without anything being stale here, so the limit is not what this test is about.
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    settings.REPLICA_CHECK_SECONDS = 0
    child = _new_child(personas["caseworker"], "副本甲")
    _wait_replayed()
    client = login("caseworker")
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections[replica.REPLICA]) as on_replica,
    ):
        response = client.get(LIST)
    assert response.status_code == 200 and "副本甲" in response.content.decode()
    assert "registry_child" in _tables(on_replica)
    assert "registry_child" not in _tables(on_primary)
    assert "django_session" in _tables(on_primary)  # who is logged in: always the primary

    exports_before = AuditEvent.objects.filter(action="children.export").count()
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections[replica.REPLICA]) as on_replica,
    ):
        response = client.get(EXPORT)
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert response.status_code == 200 and "副本甲" in body
    assert "registry_child" in _tables(on_replica) and "core_auditevent" not in _tables(on_replica)
    assert 'INSERT INTO "core_auditevent"' in _tables(on_primary)
    assert "registry_child" not in _tables(on_primary)
    assert AuditEvent.objects.filter(action="children.export").count() == exports_before + 1

    # A detail page is not routed: it is what a user opens right after changing something.
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        assert client.get(f"/children/{child.pk}/").status_code == 200
    assert "registry_child" not in _tables(on_replica)

    # After a write the browser stays on the primary for the lag limit (it sees its own changes).
    response = client.post("/notifications/read/")
    assert response.status_code == 302 and response.cookies[replica.PIN_COOKIE]["max-age"] == 3600
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        assert client.get(LIST).status_code == 200
    assert "registry_child" not in _tables(on_replica)


@REPLICA_DB
def test_a_lagging_replica_is_left_for_the_primary(
    replica_server: Any,
    personas: dict[str, User],
    login: Callable[[str], Client],
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    settings.REPLICA_CHECK_SECONDS = 0
    _new_child(personas["caseworker"], "早登记")
    _wait_replayed()
    client = login("caseworker")
    _replica_value("SELECT pg_wal_replay_pause()::text")
    try:
        _wait(lambda: _replica_value("SELECT pg_get_wal_replay_pause_state()") == "paused", "replay to pause")
        _new_child(personas["caseworker"], "晚登记")
        lsn = _primary_lsn()
        _wait(lambda: _replica_value("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", lsn), "the WAL to arrive")

        # Within the limit the replica is used, stale as it is: the new child is not there yet.
        page = client.get(LIST).content.decode()
        assert "早登记" in page and "晚登记" not in page

        # Over the limit: the primary answers, with the new child; one warning says so.
        settings.REPLICA_MAX_LAG_SECONDS = 1
        _wait(lambda: replica.health.check().state == replica.LAGGING, "the lag to pass 1 s")
        assert replica.health.status.lag is not None and replica.health.status.lag > 1
        caplog.clear()
        with (
            caplog.at_level(logging.WARNING, logger="shouhu.replica"),
            CaptureQueriesContext(connections[replica.REPLICA]) as on_replica,
        ):
            page = client.get(LIST).content.decode()
            client.get(LIST)
        assert "早登记" in page and "晚登记" in page
        assert "registry_child" not in _tables(on_replica)
        assert "pg_is_in_recovery" in _tables(on_replica)  # it was asked, and found lagging
        assert _replica_logs(caplog) == []  # the change was logged once, before
    finally:
        _replica_value("SELECT pg_wal_replay_resume()::text")

    # Replaying again, it is used again (and says so once).
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    _wait_replayed()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="shouhu.replica"):
        assert replica.health.check().usable
    assert [m for m in _replica_logs(caplog) if m.startswith("只读副本可用")] != []
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        page = client.get(LIST).content.decode()
    assert "晚登记" in page and "registry_child" in _tables(on_replica)


@REPLICA_DB
def test_a_replica_that_stops_never_breaks_a_page(
    replica_server: Callable[[], None],
    personas: dict[str, User],
    login: Callable[[str], Client],
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Runs last in this module: it stops the replica.
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    settings.REPLICA_CHECK_SECONDS = 3600  # the process trusts its last look: the page finds out itself
    _new_child(personas["caseworker"], "停机前")
    _wait_replayed()
    assert replica.health.check().usable
    client = login("caseworker")
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        assert client.get(LIST).status_code == 200
    assert "registry_child" in _tables(on_replica)

    replica_server()  # scripts/replica-demo.sh stop

    # The open connection breaks mid-page: the page is done again on the primary.
    caplog.clear()
    with (
        caplog.at_level(logging.WARNING, logger="shouhu.replica"),
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(LIST)
    assert response.status_code == 200 and "停机前" in response.content.decode()
    assert "registry_child" in _tables(on_primary)
    assert replica.health.status.state == replica.DOWN
    messages = _replica_logs(caplog)
    assert any("本页改由主库重做" in m for m in messages) and any("不可用" in m for m in messages)

    # Checked again, still down (connection refused): straight to the primary, no retry needed.
    settings.REPLICA_CHECK_SECONDS = 0
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="shouhu.replica"):
        for url in (LIST, EXPORT, "/"):
            assert client.get(url).status_code == 200, url
    assert replica.health.status.state == replica.DOWN
    assert _replica_logs(caplog) == []  # nothing changed: nothing logged
