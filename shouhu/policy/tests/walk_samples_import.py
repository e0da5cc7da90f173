"""Persona-walk samples for the import pages (shouhu/policy/importing/urls.py)."""

from __future__ import annotations

from typing import Any

from shouhu.accounts.models import User
from shouhu.core.testing.walk import Sample
from shouhu.policy.importing import policy_import_commit

from .import_helpers import SOURCE, source_bytes

# A title of its own, so this setup never meets another part's copy of the table.
WALK_TITLE = "走访样例：任务分工表"


def setup(personas: dict[str, User]) -> dict[str, Any]:
    document = policy_import_commit(
        actor=personas["admin"], data=source_bytes(), filename=SOURCE.name, title=WALK_TITLE
    )
    return {"import_document": document}


def _export(fmt: str) -> Any:
    return lambda ctx: {"pk": ctx["import_document"].pk, "fmt": fmt}


SAMPLES = {
    # Administrators only; a POST without a file shows the form again with its error.
    "policy:import": [Sample(), Sample(method="post", data={"title": "x"})],
    # Without an uploaded file in the session the preview sends the user back to the upload form.
    "policy:import_preview": [Sample(success=(302,)), Sample(method="post", data={"confirm": "1"}, success=(302,))],
    "policy:import_versions": [Sample(), Sample(query="q=走访")],
    "policy:import_export": [
        Sample(kwargs=_export("json")),
        Sample(kwargs=_export("xlsx")),
        Sample(kwargs=_export("json"), query="current_names=1"),
        Sample(kwargs={"pk": 999999, "fmt": "json"}, ok=frozenset()),
    ],
}
