"""The child's page links to its eligibility, its timeline and (for windows) a new intake."""

from __future__ import annotations

import pytest

from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.tests.example import EXAMPLE

pytestmark = pytest.mark.django_db


def test_child_page_links(login) -> None:  # type: ignore[no-untyped-def]
    record, _ = parse_record(EXAMPLE)
    assert record is not None
    child = services.child_register(actor=None, record=record)
    supervisor = login("supervisor_a").get(f"/children/{child.pk}/").content.decode()
    assert f"/eligibility/children/{child.pk}/" in supervisor
    assert f"/referrals/children/{child.pk}/timeline/" in supervisor
    assert f"/intake/new/?child={child.pk}" in supervisor
    director = login("director_a").get(f"/children/{child.pk}/").content.decode()
    assert f"/intake/new/?child={child.pk}" not in director
