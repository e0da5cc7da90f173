"""Persona-walk samples for the registry's screens: one child in village A (东关村), one in
village B (普乐堡村), each with a recorded fact and a document."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.core.testing.walk import Sample
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import ChildDocument, DocumentType

from .example import example

SEES_A = frozenset({"admin", "caseworker", "supervisor_a", "director_a"})
SEES_B = frozenset({"admin", "caseworker", "supervisor_b", "director_b"})
WALK_DOCUMENT = "children/walk-sample.pdf"
PDF_BYTES = b"%PDF-1.4\n%walk sample\n"


def _register(actor: User, data: dict[str, Any]) -> Any:
    record, errors = parse_record(data)
    assert record is not None, errors
    child = services.child_register(actor=actor, record=record, phone="13800000000", address="东关街 1 号")
    if not default_storage.exists(WALK_DOCUMENT):
        default_storage.save(WALK_DOCUMENT, ContentFile(PDF_BYTES))
    document = ChildDocument.objects.create(
        child=child,
        doc_type=DocumentType.ID_CARD,
        file=WALK_DOCUMENT,
        original_name="身份证.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        uploaded_by=actor,
    )
    return child, child.circumstances.order_by("pk").first(), document


def setup(personas: dict[str, User]) -> dict[str, Any]:
    caseworker = personas["caseworker"]
    a, fact_a, doc_a = _register(
        caseworker, example(id_number="210522201006010011", name="王走访", birth_date="2010-06-01")
    )
    b, fact_b, doc_b = _register(
        caseworker, example(id_number=None, no_id_reason="尚未登记户口", name="赵走访", region_code=VILLAGE_B)
    )
    closed, _fact, _doc = _register(
        caseworker, example(id_number="210522201107010029", name="钱销档", sex="female", birth_date="2011-07-01")
    )
    services.child_close(
        actor=caseworker, child=closed, reason="moved_away", closed_on=services.today(), expected_version=1
    )
    return {
        "ui_a": a.pk,
        "ui_b": b.pk,
        "ui_fact_a": fact_a.pk,
        "ui_fact_b": fact_b.pk,
        "ui_doc_a": doc_a.pk,
        "ui_doc_b": doc_b.pk,
        "ui_closed": closed.pk,
    }


def _child(key: str) -> Any:
    return lambda ctx: {"child_id": ctx[key]}


SAMPLES = {
    "registry:list": [Sample(), Sample(query="q=zzf"), Sample(query="flags=low_income&parents=orphan_like&status=all")],
    "registry:create": [Sample()],
    "registry:detail": [
        Sample(kwargs=_child("ui_a"), ok=SEES_A),
        Sample(kwargs=_child("ui_b"), ok=SEES_B),
        Sample(kwargs=_child("ui_a"), ok=SEES_A, query="on=2020-01-01"),
        Sample(kwargs={"child_id": 999999}, ok=frozenset()),
    ],
    "registry:change": [
        Sample(kwargs=_child("ui_a"), ok=SEES_A),
        Sample(kwargs=_child("ui_b"), ok=SEES_B),
        # From the 待补充信息 worklist: the fields to fill marked.
        Sample(kwargs=_child("ui_a"), ok=SEES_A, query="focus=mother_status,school_stage"),
    ],
    "registry:correct": [
        Sample(kwargs=lambda ctx: {"child_id": ctx["ui_a"], "circumstance_id": ctx["ui_fact_a"]}, ok=SEES_A),
        Sample(kwargs=lambda ctx: {"child_id": ctx["ui_b"], "circumstance_id": ctx["ui_fact_b"]}, ok=SEES_B),
        # A fact of another child, addressed through a child one may see: not found.
        Sample(kwargs=lambda ctx: {"child_id": ctx["ui_a"], "circumstance_id": ctx["ui_fact_b"]}, ok=frozenset()),
    ],
    "registry:close": [Sample(kwargs=_child("ui_a"), ok=SEES_A), Sample(kwargs=_child("ui_b"), ok=SEES_B)],
    "registry:reopen": [
        Sample(kwargs=_child("ui_closed"), ok=SEES_A),
        Sample(kwargs=_child("ui_b"), ok=SEES_B, success=(302,)),
    ],
    "registry:reveal": [
        Sample(kwargs=_child("ui_a"), ok=SEES_A, method="post", data={"field": "id_number"}),
        Sample(kwargs=_child("ui_b"), ok=SEES_B, method="post", data={"field": "phone"}),
    ],
    "registry:document_upload": [Sample(kwargs=_child("ui_a"), ok=SEES_A), Sample(kwargs=_child("ui_b"), ok=SEES_B)],
    "registry:document_download": [
        Sample(kwargs=lambda ctx: {"child_id": ctx["ui_a"], "document_id": ctx["ui_doc_a"]}, ok=SEES_A),
        Sample(kwargs=lambda ctx: {"child_id": ctx["ui_b"], "document_id": ctx["ui_doc_b"]}, ok=SEES_B),
        Sample(kwargs=lambda ctx: {"child_id": ctx["ui_a"], "document_id": ctx["ui_doc_b"]}, ok=frozenset()),
    ],
}
