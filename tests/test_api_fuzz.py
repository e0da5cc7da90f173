"""schemathesis over the whole OpenAPI document, in process against the WSGI application: for every
operation, requests generated from its schema (valid ones and ones its schema refuses), sent with
the tokens of a few roles, must never get a 5xx, and every answer must fit the response schema
documented for its status (a status the operation does not document fails too).

Bounded so it runs in well under a minute: `EXAMPLES` examples per operation (each sent as one of
`ROLES`, drawn with the example), derandomized
(the same requests each run, so a failure is reproducible and the suite stays stable), no example
database. docs/security.md ("Input") lists what the first runs found and how each was fixed.
No operation is excluded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shouhu.accounts.models import User
from shouhu.accounts.services import api_token_issue
from shouhu.api.urls import api

pytestmark = pytest.mark.django_db

EXAMPLES = 15
# A role that may use the children API, one that handles referrals, one at the county.
ROLES = ("caseworker", "officer_a", "supervisor_a")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in api.get_openapi_schema(path_prefix="/api/v1/")["paths"].items()
    for method in item
)


@pytest.fixture
def application() -> Iterator[Any]:
    """The WSGI application, kept from closing the test's database connection at the end of each
    request (what Django's test client does too): the requests run in the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_never_fails_nor_breaks_its_schema(
    application: Any, personas: dict[str, User], method: str, path: str
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operation = schema[path][method]
    keys = {role: api_token_issue(actor=personas[role], name="fuzz", user=personas[role])[1] for role in ROLES}
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases, role=st.sampled_from(ROLES))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, role: str) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {keys[role]}"}, checks=CHECKS)

    run()
