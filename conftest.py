"""Shared test fixtures: the personas exist once per test database (created in
django_db_setup), and every test runs in a transaction that rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from pytest_django.plugin import blocking_manager_key

from shouhu.accounts.models import User
from shouhu.accounts.personas import DEMO_PASSWORD, ensure_personas


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """This test process's own file cache: the product's is shared by every process using the
    DATA_DIR, and a test that clears it, or reads back what it remembered, must not meet another
    xdist worker's entries (or a developer's server's)."""
    from django.conf import settings
    from django.test import override_settings

    own = {**settings.CACHES["default"], "LOCATION": str(tmp_path_factory.mktemp("cache"))}
    with override_settings(CACHES={"default": own}):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from django.conf import settings

    # Argon2 is the production hasher (tested in accounts); a fast one keeps setup quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        ensure_personas()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Put the reference data back after a transactional test's flush.

    One process runs transactional tests last, so nothing after them needs what the flush removed
    (the migrations' units, regions and table; the personas and their villages). Under
    pytest-xdist a worker may run other tests after one, so the data is reloaded from the copy
    Django took when it created the database, and the personas are made again."""
    result = yield
    marker = item.get_closest_marker("django_db")
    # After the session's last test the test database is already gone (pytest-django tears its
    # session fixtures down inside this hook's yield): nothing to put back.
    if nextitem is not None and marker is not None and marker.kwargs.get("transaction"):
        from django.db import connections

        with item.config.stash[blocking_manager_key].unblock():
            for connection in connections.all(initialized_only=True):
                contents = getattr(connection, "_test_serialized_contents", None)
                if contents and not connection.settings_dict.get("TEST", {}).get("MIRROR"):
                    connection.creation.deserialize_db_from_string(contents)
            ensure_personas()  # and what django_db_setup added after that copy
    return result


@pytest.fixture
def personas(db: None) -> dict[str, User]:
    # Transactional tests flush the database afterwards (pytest-django runs them last); the
    # personas come back for any that follow.
    return ensure_personas()


@pytest.fixture
def login(client: Client, personas: dict[str, User]) -> Any:
    """`login("supervisor_a")` returns a client logged in as that persona."""

    def _login(key: str) -> Client:
        c = Client()
        c.force_login(personas[key])
        return c

    return _login


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD
