from __future__ import annotations

import re

import pytest
from django.test import Client

from shouhu.accounts.models import User
from shouhu.accounts.services import api_token_issue, api_token_revoke

pytestmark = pytest.mark.django_db


def test_health_needs_no_token() -> None:
    body = Client().get("/api/v1/health").json()
    assert body["status"] == "ok" and body["database"] in {"sqlite", "postgresql"}


def test_token_acts_as_its_user_with_the_same_scope(personas: dict[str, User]) -> None:
    token, key = api_token_issue(actor=personas["supervisor_b"], name="教育局系统", user=personas["supervisor_b"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/me").json()["username"] == "supervisor_b"
    assert client.get("/api/v1/regions/210522100000").status_code == 404
    assert client.get("/api/v1/regions/210522101000").json()["name"] == "普乐堡镇"
    token.refresh_from_db()
    assert token.last_used_at is not None and token.key_hash != key
    api_token_revoke(actor=personas["admin"], token=token)
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_token_is_refused_in_chinese() -> None:
    response = Client(HTTP_AUTHORIZATION="Bearer sh_nonsense").get("/api/v1/me")
    assert response.status_code == 401 and "令牌" in response.json()["detail"]


def test_openapi_document_and_local_docs() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/regions/{code}" in schema["paths"]
    docs = Client().get("/api/v1/docs").content.decode()
    # Nothing from another host (a CDN): every src and href is the product's own (the page's CSRF
    # token is random text and may hold any letters, so the page is not searched for "cdn").
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', docs) and "/static/ninja/" in docs
