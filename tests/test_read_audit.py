"""Every page that shows a child's personal data leaves an audit row for the request.

Table-driven over the URL map: each route of the apps that hold children (and any route with a
child in its path) is either in READS — requested here with its first GET walk sample as the
persona named, and the audit row it must leave is checked — or in NOT_READS with the reason it
shows no child's personal data of its own. A new page in those apps fails
`test_every_route_is_classified` until it says which it is.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shouhu.core.models import AuditEvent
from shouhu.core.testing.walk import collect_samples, iter_routes

from .test_persona_walk import Walk, walk  # noqa: F401  (the walk's objects and logged-in clients)

SAMPLES = collect_samples("SAMPLES")
APPS = ("registry", "intake", "referrals", "eligibility", "safety", "placements", "guardianship", "custody")

LIST, VIEW = "children.list", "children.view"
# name: (persona, the action of the row the request leaves[, the sample's query when not the first])
READS: dict[str, tuple[str, ...]] = {
    "registry:list": ("supervisor_a", LIST),
    "registry:detail": ("supervisor_a", VIEW),
    "registry:change": ("supervisor_a", VIEW),
    "registry:correct": ("supervisor_a", VIEW),
    "registry:document_download": ("supervisor_a", "children.document_download"),
    "registry:export": ("caseworker", "children.export", "format=jsonl"),  # its first sample: the form
    "registry:duplicates": ("caseworker", LIST),
    "registry:duplicate_merge": ("caseworker", VIEW),
    "registry:transfers": ("supervisor_b", LIST),
    "registry:transfer_detail": ("supervisor_a", VIEW),
    "intake:list": ("supervisor_a", LIST),
    "intake:new": ("supervisor_a", LIST, "q=sunzj"),  # a search; with ?child= a VIEW (below)
    "intake:suggestions": ("supervisor_a", LIST),
    "intake:detail": ("supervisor_a", VIEW),
    "intake:receipt": ("supervisor_a", VIEW),
    "intake:confirm": ("supervisor_a", VIEW),
    "referrals:inbox": ("officer_a", LIST),
    "referrals:children": ("supervisor_a", LIST),
    "referrals:child": ("supervisor_a", VIEW),
    "referrals:timeline": ("supervisor_a", VIEW),
    "referrals:detail": ("officer_a", VIEW),
    "eligibility:run": ("supervisor_a", LIST),
    "eligibility:counts_list": ("caseworker", LIST),
    "eligibility:counts_list_export": ("caseworker", "eligibility.list_export"),
    "eligibility:child": ("supervisor_a", VIEW),
    "eligibility:pending": ("supervisor_a", LIST),
    "safety:my_reports": ("reporter_a", "safety.report_list"),
    "safety:report": ("reporter_a", "safety.report_view"),
    "safety:cases": ("caseworker", "safety.case_list"),
    "safety:case": ("supervisor_a", "safety.case_view"),
    "safety:attachment": ("reporter_a", "safety.attachment_download"),
    "placements:families": ("caseworker", "placements.family_list"),
    "placements:family": ("caseworker", "placements.family_view"),
    "placements:child": ("supervisor_a", "placements.child_view"),
    "placements:match": ("supervisor_a", "placements.match"),
    "guardianship:list": ("caseworker", "guardianship.list"),
    "guardianship:document": ("supervisor_b", "guardianship.document_download"),
    "custody:notices": ("caseworker", "custody.notice_list"),
    "custody:notice": ("supervisor_a", "custody.notice_view"),
}
NOT_READS: dict[str, str] = {
    "registry:create": "an empty form (a child found by ID number is shown on registry:detail)",
    "registry:close": "a form naming the child, reached from its audited record",
    "registry:reopen": "a form naming the child, reached from its audited record",
    "registry:document_upload": "a form naming the child, reached from its audited record",
    "registry:reveal": "POST only; audited as children.reveal",
    "registry:import": "the user's own uploads: file names and counts",
    "registry:import_template": "an empty spreadsheet",
    "registry:import_run": "the rows of the user's own upload, not yet children; the upload is audited",
    "registry:import_progress": "counts",
    "registry:import_confirm": "POST only; audited as children.import_confirm",
    "registry:import_cancel": "POST only; audited",
    "registry:import_errors": "the user's own rows that were refused, with why",
    "registry:duplicate_dismiss": "POST only; audited",
    "registry:transfer_request": "a form; the request is audited",
    "registry:transfer_decide": "POST only; audited",
    "intake:cancel": "a form naming the child, reached from the audited intake",
    "referrals:bulk_accept": "POST only; audited per referral",
    "referrals:filter_save": "POST only",
    "referrals:filter_delete": "POST only",
    "referrals:supervision": "counts by unit",
    "referrals:routing": "the routing table",
    "referrals:calendar": "working days",
    "referrals:calendar_delete": "POST only",
    "referrals:outcome_kinds": "each measure's outcome kind: configuration, no child",
    "referrals:deadline_set": "POST only",
    "referrals:act": "POST only; audited",
    "referrals:reassign": "POST only; audited",
    "referrals:transfer": "POST only; audited",
    "referrals:cooperate": "POST only; audited",
    "referrals:resubmit": "POST only; audited",
    "eligibility:runs": "runs and their counts",
    "eligibility:run_start": "POST only; audited",
    "eligibility:run_progress": "counts",
    "eligibility:rules": "rules",
    "eligibility:rule": "a rule",
    "eligibility:rule_edit": "a rule",
    "eligibility:parameters": "parameters",
    "eligibility:parameter_edit": "a parameter",
    "eligibility:counts": "counts",
    "eligibility:counts_export": "counts",
    "safety:report_new": "an empty form (the filed report is audited as safety.report_file)",
    "safety:report_supplement": "POST only; audited",
    "safety:question_answer": "POST only; audited as safety.question_answer",
    "safety:case_ask": "POST only; audited as safety.question_ask",
    "safety:case_act": "POST only; audited",
    "safety:case_assess": "POST only; audited (safety.assessment_record, safety.case_assess)",
    "safety:case_review": "POST only; audited (safety.case_review)",
    "safety:plan_action_add": "POST only; audited (safety.plan_action_add, intake.confirm)",
    "safety:child_link": "POST only; audited (safety.case_child_link)",
    "safety:child_register": "POST only; audited (children.register, safety.case_child_link)",
    "safety:clocks": "the county's clock parameters",
    "safety:clock_set": "POST only; audited",
    "placements:family_new": "an empty form (the application is audited as placements.family_apply)",
    "placements:family_act": "POST only; audited",
    "placements:family_training": "POST only; audited",
    "placements:family_review": "POST only; audited",
    "placements:placement_new": "a form naming the child, reached from its audited placements page",
    "placements:adoptive_assessment": "a form naming the child, reached from its audited placements page",
    "placements:end": "a form naming the child and the placement, reached from its audited placements page",
    "placements:temporary_care": "POST only; audited as placements.start",
    "guardianship:start": "POST only; audited as guardianship.open",
    "guardianship:step": "POST only; audited as guardianship.step (a refused form shows the case reference, no child)",
    "custody:notice_new": "an empty form (the recorded notice is audited as custody.notice_record)",
    "custody:notice_release": "POST only; audited",
}


def _classified_routes() -> list[str]:
    return sorted(
        {
            route.name
            for route in iter_routes()
            if route.name.split(":")[0] in APPS or ("child" in route.pattern and not route.name.startswith("api-"))
        }
    )


def test_every_route_is_classified() -> None:
    routes = _classified_routes()
    assert sorted(set(routes) - READS.keys() - NOT_READS.keys()) == [], "add them to READS or NOT_READS"
    assert sorted((READS.keys() | NOT_READS.keys()) - set(routes)) == [], "routes that are gone"
    assert READS.keys() & NOT_READS.keys() == set()


def _get(walk: Walk, name: str, persona: str, query: str = "") -> tuple[Any, list[AuditEvent]]:  # noqa: F811
    sample = next(s for s in SAMPLES[name] if s.method == "get" and (not query or s.query == query))
    url = reverse(name, kwargs=sample.resolve_kwargs(walk.ctx))
    query = query or sample.query
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = walk.client(persona).get(f"{url}?{query}" if query else url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response, list(AuditEvent.objects.filter(id__gt=before, actor=walk.personas[persona]).order_by("id"))


@pytest.mark.parametrize("name", sorted(READS))
def test_a_page_showing_children_leaves_one_audit_row(name: str, walk: Walk, db: None) -> None:  # noqa: F811
    persona, action, *query = READS[name]
    response, rows = _get(walk, name, persona, *query)
    assert response.status_code == 200, f"{name} as {persona}: {response.status_code}"
    reads = [row for row in rows if row.action == action]
    assert reads, f"{name} as {persona} left no {action} row (it left {[r.action for r in rows]})"
    if action == LIST:
        assert len(reads) == 1, "one row a request, not one a child"
        [row] = reads
        assert row.object_type == "registry.child" and row.detail["shown"] == len(row.detail["ids"])
        assert row.detail["page"] and row.partition and row.row_hash
    if action == VIEW:
        assert all(row.object_type == "registry.child" and row.object_id for row in reads)


def test_intake_with_a_child_is_a_view_of_that_child(walk: Walk, db: None) -> None:  # noqa: F811
    sample = next(s for s in SAMPLES["intake:detail"] if s.ok and "supervisor_a" in s.ok)
    intake_id = sample.resolve_kwargs(walk.ctx)["intake_id"]
    from shouhu.casework.models import Intake

    child_id = Intake.objects.get(pk=intake_id).child_id
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = walk.client("supervisor_a").get(f"/intake/new/?child={child_id}")
    assert response.status_code == 200
    row = AuditEvent.objects.filter(id__gt=before, action=VIEW).get()
    assert row.object_id == str(child_id) and row.detail == {"via": "intake"}


def test_a_search_by_id_number_keeps_the_number_masked(walk: Walk, db: None) -> None:  # noqa: F811
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    walk.client("caseworker").get("/children/", {"q": "210522201503150015"})
    row = AuditEvent.objects.filter(id__gt=before, action=LIST).get()
    assert "210522201503150015" not in str(row.detail) + row.summary
    assert "2105**************" in row.detail["query"]
    assert row.summary.startswith("查找儿童：显示 ")
