"""The demo's notices: a relative's arrangement, an institution with its case, a release in 20
days already reminded."""

from __future__ import annotations

import pytest

from shouhu.accounts.models import User
from shouhu.casework.tests.helpers import import_table
from shouhu.custody.demo import load_demo_custody_notices
from shouhu.custody.models import CustodyChild, CustodyNotice, ReleaseReminder

pytestmark = pytest.mark.django_db


def test_the_demo_has_each_kind_of_notice_once(personas: dict[str, User]) -> None:
    import_table()
    assert load_demo_custody_notices(personas) is not None
    assert CustodyNotice.objects.count() == 3
    assert CustodyChild.objects.filter(safety_case__isnull=False).get().arrangement == "institution"
    assert ReleaseReminder.objects.get().notice_child.notice.kind == "administrative_detention"
    assert load_demo_custody_notices(personas) is None  # loaded once
    assert CustodyNotice.objects.count() == 3
