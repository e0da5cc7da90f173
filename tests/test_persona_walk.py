"""Every URL pattern and API operation, as every persona: the answer must match the declared
access rule (403 without the capability) and the sample's scope (404 outside it).

One test per URL name and one per API path (so the walk spreads over the xdist workers), each
checking every sample of its route as anonymous and as every persona. The samples' objects
(`run_setups`) and one logged-in client per persona are made once per stretch of this module's
tests that a worker runs (the module-scoped `walk` fixture), inside a transaction rolled back when
the stretch ends; each request still runs in its own rolled-back transaction, with only its
persona's session cookie, as if made by a new client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from shouhu.access import Capability, can
from shouhu.accounts.models import ApiToken, User
from shouhu.accounts.personas import PERSONA_KEYS, ensure_personas
from shouhu.api.urls import api
from shouhu.core.testing.raw_codes import Vocabulary, raw_codes
from shouhu.core.testing.signin import sign_in
from shouhu.core.testing.walk import Route, Sample, collect_samples, iter_routes, run_setups

PUBLIC = "public"
# Django admin has its own staff-only login; no persona is staff, so all are turned away.
ADMIN_PREFIX = "admin/"
API_PREFIX = "api/v1/"


def product_routes() -> list[Any]:
    return [r for r in iter_routes() if not r.pattern.startswith((ADMIN_PREFIX, API_PREFIX))]


def api_operations() -> list[tuple[str, str, Any]]:
    """(path template, method, view function) for every API operation."""
    ops = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = "/" + (prefix.strip("/") + "/" + path.lstrip("/")).strip("/")
                full = "/" + full.strip("/")
                for method in operation.methods:
                    ops.append((full, method.lower(), operation.view_func))
    return ops


def test_every_view_declares_an_access_rule() -> None:
    missing = [r.pattern for r in product_routes() if not hasattr(r.callback, "access_rule")]
    assert missing == [], f"views without an access rule (deny by default): {missing}"


def test_every_api_operation_declares_an_access_rule() -> None:
    missing = [f"{m.upper()} {p}" for p, m, f in api_operations() if not hasattr(f, "access_rule")]
    assert missing == [], f"API operations without an access rule: {missing}"


def test_every_route_and_operation_has_walk_samples() -> None:
    samples = collect_samples("SAMPLES")
    public = {r.name for r in product_routes() if getattr(r.callback, "access_rule", None) == PUBLIC}
    missing = [r.name or r.pattern for r in product_routes() if r.name not in samples and r.name not in public]
    assert missing == [], f"routes with no persona-walk sample: {missing}"
    api_samples = collect_samples("API_SAMPLES")
    missing_api = sorted({p for p, _m, _f in api_operations() if p not in api_samples})
    assert missing_api == [], f"API paths with no persona-walk sample: {missing_api}"


def expected_status(rule: str, persona: User, sample: Sample) -> int | tuple[int, ...]:
    if rule != PUBLIC and not can(persona, Capability(rule)):
        return 403
    if sample.ok is not None and persona.username not in sample.ok:
        return 404
    return sample.success


def _request(client: Client, sample: Sample, url: str, ctx: dict[str, Any], **extra: Any) -> Any:
    if sample.query:
        url = f"{url}?{sample.query}"
    if sample.method == "post":
        return client.post(url, sample.resolve_data(ctx), **extra)
    return getattr(client, sample.method)(url, **extra)


def _check(status: int, expected: int | tuple[int, ...]) -> bool:
    return status in expected if isinstance(expected, tuple) else status == expected


# The parameters: route names and API paths that have samples (the test above checks that every
# route and path has some), in URL-map order.
PAGE_SAMPLES = collect_samples("SAMPLES")
API_SAMPLES = collect_samples("API_SAMPLES")
PAGE_ROUTES: dict[str, list[Route]] = {}
for _route in product_routes():
    if _route.name in PAGE_SAMPLES:
        PAGE_ROUTES.setdefault(_route.name, []).append(_route)
API_PATHS: dict[str, list[tuple[str, Any]]] = {}
for _path, _method, _view in api_operations():
    if _path in API_SAMPLES:
        API_PATHS.setdefault(_path, []).append((_method, _view))


@dataclass(frozen=True)
class Walk:
    personas: dict[str, User]
    ctx: dict[str, Any]
    clients: dict[str, Client]  # one per persona key, plus None: anonymous
    sessions: dict[str, str]  # persona key -> its session key
    api_keys: dict[str, str]  # persona key -> a bearer token

    def client(self, key: str | None) -> Client:
        """The persona's client (anonymous for None) carrying only its session cookie: nothing
        an earlier request set (messages, a cycled session) reaches the next one."""
        client = self.clients[key] if key else self.clients[""]
        client.cookies = SimpleCookie()
        if key:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[key]
        return client


@pytest.fixture(scope="module")
def walk(django_db_setup: None, django_db_blocker: Any) -> Iterator[Walk]:
    """The samples' objects, one logged-in client and one API token per persona, in a transaction
    of their own.

    pytest tears a module-scoped fixture down as soon as the next test on the worker belongs to
    another module, so this is made once per stretch of walk tests a worker runs and rolled back
    at its end: no other test sees it. It is made before any test's own fixtures, so each test's
    transaction (pytest-django's `db`) nests inside it as a savepoint."""
    from shouhu.accounts.services import api_token_issue

    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            personas = ensure_personas()
            ctx = run_setups(personas)
            clients: dict[str, Client] = {"": Client()}
            sessions = {}
            for key in PERSONA_KEYS:
                clients[key] = Client()
                sign_in(clients[key], personas[key])
                sessions[key] = clients[key].cookies[settings.SESSION_COOKIE_NAME].value
            api_keys = {
                # a person's own token; for roles without "我的API令牌", one issued at the command line
                key: api_token_issue(
                    actor=personas[key] if can(personas[key], Capability.OWN_API_TOKENS) else None,
                    name=f"walk-{key}",
                    user=personas[key],
                )[1]
                for key in PERSONA_KEYS
            }
            assert ApiToken.objects.filter(name__startswith="walk-").count() == len(PERSONA_KEYS)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield Walk(personas, ctx, clients, sessions, api_keys)
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _rolled_back(make: Any) -> Any:
    with transaction.atomic():
        response = make()
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("name", list(PAGE_ROUTES))
def test_page_as_every_persona(name: str, walk: Walk, db: None) -> None:
    """Each persona gets the status the route's rule declares; and every page it is shown reads
    in names, not codes (`core.testing.raw_codes`: no measure code without its name, category
    code, rule parameter, audit action, login name, period key, bare region code, English prose)."""
    ctx = walk.ctx
    vocabulary = Vocabulary.from_database()
    failures = []
    for route in PAGE_ROUTES[name]:
        rule = route.callback.access_rule
        for sample in PAGE_SAMPLES[name]:
            url = reverse(route.name, kwargs=sample.resolve_kwargs(ctx))
            if rule != PUBLIC:
                anonymous = _rolled_back(lambda: _request(walk.client(None), sample, url, ctx))  # noqa: B023
                if anonymous.status_code != 302 or "/login/" not in anonymous["Location"]:
                    failures.append(f"anonymous {sample.method.upper()} {url}: {anonymous.status_code}")
            for key in PERSONA_KEYS:
                expected = expected_status(rule, walk.personas[key], sample)
                response = _rolled_back(lambda: _request(walk.client(key), sample, url, ctx))  # noqa: B023
                if not _check(response.status_code, expected):
                    failures.append(f"{key} {sample.method.upper()} {url}: {response.status_code}, expected {expected}")
                elif sample.method == "get" and _is_page(response):
                    query = f"?{sample.query}" if sample.query else ""
                    failures += [f"{key} {url}{query}: {p}" for p in raw_codes(response.content.decode(), vocabulary)]
    assert failures == [], "\n".join(failures)


def _is_page(response: Any) -> bool:
    return response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")


@pytest.mark.parametrize("path", list(API_PATHS))
def test_api_path_as_every_persona(path: str, walk: Walk, db: None) -> None:
    ctx = walk.ctx
    failures = []
    for method, view in API_PATHS[path]:
        rule = view.access_rule
        for sample in API_SAMPLES[path]:
            url = "/api/v1" + path.format(**sample.resolve_kwargs(ctx))
            if rule != PUBLIC:
                anonymous = _rolled_back(lambda: getattr(walk.client(None), method)(url))  # noqa: B023
                if anonymous.status_code != 401:
                    failures.append(f"anonymous {method.upper()} {url}: {anonymous.status_code}, expected 401")
            for key in PERSONA_KEYS:
                expected = expected_status(rule, walk.personas[key], sample)
                bearer = f"Bearer {walk.api_keys[key]}"
                response = _rolled_back(
                    lambda: _request(walk.client(None), sample, url, ctx, HTTP_AUTHORIZATION=bearer)  # noqa: B023
                )
                if not _check(response.status_code, expected):
                    failures.append(f"{key} {method.upper()} {url}: {response.status_code}, expected {expected}")
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
def test_django_admin_turns_away_every_persona(personas: dict[str, User]) -> None:
    for key in PERSONA_KEYS:
        client = Client()
        sign_in(client, personas[key])
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], key
