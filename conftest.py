"""Shared test fixtures: the personas exist once per test database (created in
django_db_setup), and every test runs in a transaction that rolls back.

Distribution (`make test`: `pytest -n auto --dist loadscope`, pytest_xdist_make_scheduler below):
a module's tests are one unit of work for a worker (module fixtures are made once), except that
the persona walk's tests are handed out one by one (so it spreads over the workers) and all the
browser journeys are one unit, given out first (one served app and one Chromium per run).

Hypothesis: profiles "ci" (the default, what CI runs) and "dev" (fewer examples, for a quick
local loop), chosen by HYPOTHESIS_PROFILE."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings
from pytest_django.plugin import blocking_manager_key

from shouhu.accounts.models import User
from shouhu.accounts.personas import DEMO_PASSWORD, ensure_personas
from shouhu.core.testing.signin import sign_in

# "ci" keeps what CI always ran: Hypothesis's default 100 examples for a property test that does
# not set its own count, no deadline (database work per example varies with the machine's load).
# A test that sets max_examples itself keeps it under every profile.
hypothesis_settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", max_examples=20, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Modules whose tests xdist may hand out one at a time (each test is its own unit of work).
SPREAD_MODULES = {"tests/test_persona_walk.py"}
BROWSER = "tests/browser/"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own choice
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope`, with two exceptions (the suite's scheduler: see the module docstring).

    xdist's `--dist loadgroup` cannot do this: it renames the grouped tests' node ids, which
    pytest 9.2 no longer lets a plugin do (the xdist_group mark is ignored)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(BROWSER):
                # One unit: split in two (a served app and a Chromium per worker) the halves
                # competed for the two cores and the run took a minute longer.
                return BROWSER
            if nodeid.split("::")[0] in SPREAD_MODULES:
                return nodeid
            return str(super()._split_scope(nodeid))

        def _assign_work_unit(self, node: Any) -> None:
            # The browser journeys are the longest unit (a minute or more): first, so they do not
            # end up as a run's tail with the other worker idle.
            if BROWSER in self.workqueue:
                self.workqueue.move_to_end(BROWSER, last=False)
            super()._assign_work_unit(node)

    return Scheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def _static_files_indexed_once() -> Iterator[None]:
    """WhiteNoise lists every static file through Django's finders each time its middleware is
    built, i.e. for every new test Client (about 0.05-0.1 s each, most of a simple view test's
    time). The list does not change during a run: take it once per process and give later
    middleware instances the same entries. Requests are served exactly as before."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    original = WhiteNoiseMiddleware.add_files_from_finders
    indexed: dict[tuple[Any, ...], dict[str, Any]] = {}

    def add_files_from_finders(self: WhiteNoiseMiddleware) -> None:
        key = (self.static_prefix, self.max_age, self.allow_all_origins, self.charset, self.index_file)
        if key not in indexed:
            before = dict(self.files)
            original(self)
            indexed[key] = {url: f for url, f in self.files.items() if before.get(url) is not f}
        self.files.update(indexed[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders  # type: ignore[method-assign]
    try:
        yield
    finally:
        WhiteNoiseMiddleware.add_files_from_finders = original  # type: ignore[method-assign]


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
        # Signed in as the sign-in pages would leave it: past the second factor for the personas
        # that have the demo authenticator (shouhu/core/testing/signin.py).
        return sign_in(Client(), personas[key])

    return _login


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD
