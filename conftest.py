"""Shared test fixtures: the personas exist once per test database (created in
django_db_setup), and every test runs in a transaction that rolls back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shouhu.accounts.models import User
from shouhu.accounts.personas import DEMO_PASSWORD, ensure_personas


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from django.conf import settings

    # Argon2 is the production hasher (tested in accounts); a fast one keeps setup quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        ensure_personas()


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
