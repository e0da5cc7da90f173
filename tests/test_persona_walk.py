"""Every URL pattern and API operation, as every persona: the answer must match the declared
access rule (403 without the capability) and the sample's scope (404 outside it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from shouhu.access import Capability, can
from shouhu.accounts.models import ApiToken, User
from shouhu.accounts.personas import PERSONA_KEYS
from shouhu.api.urls import api
from shouhu.core.testing.walk import Sample, collect_samples, iter_routes, run_setups

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


@pytest.mark.django_db
def test_walk_every_page_as_every_persona(personas: dict[str, User]) -> None:
    ctx = run_setups(personas)
    samples = collect_samples("SAMPLES")
    failures = []
    for route in product_routes():
        rule = route.callback.access_rule
        for sample in samples.get(route.name, []):
            url = reverse(route.name, kwargs=sample.resolve_kwargs(ctx))
            if rule != PUBLIC:
                with transaction.atomic():
                    anonymous = _request(Client(), sample, url, ctx)
                    transaction.set_rollback(True)
                if anonymous.status_code != 302 or "/login/" not in anonymous["Location"]:
                    failures.append(f"anonymous {sample.method.upper()} {url}: {anonymous.status_code}")
            for key in PERSONA_KEYS:
                persona = personas[key]
                expected = expected_status(rule, persona, sample)
                with transaction.atomic():
                    client = Client()
                    client.force_login(persona)
                    response = _request(client, sample, url, ctx)
                    transaction.set_rollback(True)
                if not _check(response.status_code, expected):
                    failures.append(f"{key} {sample.method.upper()} {url}: {response.status_code}, expected {expected}")
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
def test_walk_every_api_operation_as_every_persona(personas: dict[str, User]) -> None:
    from shouhu.accounts.services import api_token_issue

    ctx = run_setups(personas)
    keys = {
        key: api_token_issue(actor=personas["admin"], name=f"walk-{key}", user=personas[key])[1] for key in PERSONA_KEYS
    }
    assert ApiToken.objects.filter(name__startswith="walk-").count() == len(PERSONA_KEYS)
    samples = collect_samples("API_SAMPLES")
    failures = []
    for path, method, view in api_operations():
        rule = view.access_rule
        for sample in samples.get(path, []):
            url = "/api/v1" + path.format(**sample.resolve_kwargs(ctx))
            if rule != PUBLIC:
                anonymous = getattr(Client(), method)(url)
                if anonymous.status_code != 401:
                    failures.append(f"anonymous {method.upper()} {url}: {anonymous.status_code}, expected 401")
            for key in PERSONA_KEYS:
                expected = expected_status(rule, personas[key], sample)
                with transaction.atomic():
                    response = _request(Client(), sample, url, ctx, HTTP_AUTHORIZATION=f"Bearer {keys[key]}")
                    transaction.set_rollback(True)
                if not _check(response.status_code, expected):
                    failures.append(f"{key} {method.upper()} {url}: {response.status_code}, expected {expected}")
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
def test_django_admin_turns_away_every_persona(personas: dict[str, User]) -> None:
    for key in PERSONA_KEYS:
        client = Client()
        client.force_login(personas[key])
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], key
