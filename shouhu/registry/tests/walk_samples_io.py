"""Persona-walk samples for the import and export screens. An import run is only ever shown to
the user who uploaded it (supervisor_a here); other importers get 404, roles without
IMPORT_CHILDREN 403."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.base import ContentFile

from shouhu.core.testing.walk import Sample

from .example import EXAMPLE, example

UPLOADER = frozenset({"supervisor_a"})
SEES_TOWNSHIP_A = frozenset({"admin", "caseworker", "supervisor_a"})


def setup(personas: dict[str, Any]) -> dict[str, Any]:
    from shouhu.registry.exchange.runs import import_run_create, import_run_validate

    rows = [EXAMPLE, example(region_code="210522999201")]  # the second row has an error
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    run = import_run_create(
        actor=personas["supervisor_a"], upload=ContentFile(data, name="walk.jsonl"), filename="walk.jsonl"
    )
    import_run_validate(run)
    return {"io_run": run.pk}


def _run(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": ctx["io_run"]}


SAMPLES = {
    "registry:import": [Sample()],
    "registry:import_template": [Sample()],
    "registry:import_run": [Sample(kwargs=_run, ok=UPLOADER)],
    "registry:import_progress": [Sample(kwargs=_run, ok=UPLOADER)],
    "registry:import_confirm": [Sample(kwargs=_run, ok=UPLOADER, method="post", success=(302,))],
    "registry:import_cancel": [Sample(kwargs=_run, ok=UPLOADER, method="post", success=(302,))],
    "registry:import_errors": [Sample(kwargs=_run, ok=UPLOADER)],
    "registry:export": [
        Sample(),
        Sample(query="format=jsonl"),
        Sample(query="format=xlsx&region=210522100000", ok=SEES_TOWNSHIP_A),
    ],
}
