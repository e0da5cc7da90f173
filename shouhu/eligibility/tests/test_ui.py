"""The eligibility screens: rules and parameters (read, preview, save, fail closed), screening runs
(start, worker, progress, results, changes in scope), counts by region with lists and exports,
and one child's eligibility page."""

from __future__ import annotations

import datetime
import io
import re
from html import unescape
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client
from python_calamine import CalamineWorkbook

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A, VILLAGE_A, VILLAGE_B
from shouhu.core.models import AuditEvent
from shouhu.eligibility.models import (
    ChangeKind,
    Eligibility,
    EligibilityChange,
    ParameterVersion,
    RuleVersion,
    RunState,
    ScreeningRun,
)
from shouhu.eligibility.screening import run_screening, screening_request

from .eligibility_factories import disabled_child, register, run_worker, today

pytestmark = pytest.mark.django_db
COUNTY = "210522000000"
T21_TYPES = "{vision, hearing, speech, intellectual, physical, autism}"


def text(response: Any) -> str:
    """The page's visible text, tags dropped, entities decoded, whitespace collapsed."""
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def main_text(response: Any) -> str:
    """The visible text of the page's <main> (not the header's account menu: 修改密码)."""
    main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", "<main" + main)))


def preview_cells(html: str, code: str) -> dict[str, str]:
    row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', html, re.S)
    assert row, f"no preview row for {code}"
    cells = dict(re.findall(r'data-testid="(before|after|gained|lost)">([^<]*)<', row.group(1)))
    return cells


def start_run(client: Client, region: str = COUNTY, as_of: datetime.date | None = None) -> ScreeningRun:
    response = client.post("/eligibility/runs/new/", {"region_code": region, "as_of": (as_of or today()).isoformat()})
    assert response.status_code == 302, text(response)
    run = ScreeningRun.objects.latest("pk")
    assert response["Location"] == f"/eligibility/runs/{run.pk}/"
    return run


# -- rules -------------------------------------------------------------------------------------


def test_rule_list_shows_codes_tasks_expressions_and_versions(login: Any) -> None:
    response = login("officer_a").get("/eligibility/rules/")
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("orphan", "in_difficulty", "T01", "T21", "T24", "econ_difficult"):
        assert f'id="rule-{code}"' in html
    row = re.search(r'<tr id="rule-T21">(.*?)</tr>', html, re.S)
    assert row is not None
    assert 'href="/policy/tasks/21/"' in row.group(1)
    assert "age &lt;= $rehab_age_max" in row.group(1)
    assert "第 2 版" in row.group(1) and "2026-12-01" in row.group(1)  # rules v2 (migration 0005)
    assert "修改" not in main_text(login("officer_a").get("/eligibility/rules/T21/"))


def test_rule_list_names_the_units_of_the_imported_table(login: Any, personas: dict[str, User]) -> None:
    from shouhu.accounts.models import Department
    from shouhu.policy.models import Mode, PolicyDocument, PolicyTask, ResponsibilityRole, TaskResponsibility

    document = PolicyDocument.objects.create(title="任务分工表", version=1, content_hash="x")
    task = PolicyTask.objects.create(
        document=document,
        number=21,
        area="残疾儿童",
        area_order=1,
        text="0—6岁残疾儿童康复救助",
        responsibility_text="县残联牵头，县卫健局配合",
        mode=Mode.values[0],
    )
    lead, _ = Department.objects.get_or_create(
        name="县残联", defaults={"official_name": "桓仁县残疾人联合会", "kind": "mass_organisation"}
    )
    helper = Department.objects.get(name="县教育局")
    TaskResponsibility.objects.create(
        task=task, department=lead, role=ResponsibilityRole.LEAD, name_as_written="县残联", position=0
    )
    TaskResponsibility.objects.create(
        task=task, department=helper, role=ResponsibilityRole.COOPERATING, name_as_written="县教育局", position=1
    )
    html = login("admin").get("/eligibility/rules/").content.decode()
    row = re.search(r'<tr id="rule-T21">(.*?)</tr>', html, re.S)
    assert row is not None and '<span class="badge lead">县残联</span>' in row.group(1)
    assert '<span class="badge cooperating">县教育局</span>' in row.group(1)
    assert "县残联" in login("admin").get("/eligibility/rules/T21/").content.decode()


def test_rule_preview_counts_and_differences_then_save_keeps_old_versions(login: Any) -> None:
    on = today()
    six = disabled_child(6, on, name="六岁甲")
    seven = disabled_child(7, on, name="七岁乙")
    disabled_child(9, on, name="九岁丙")
    admin = login("admin")
    new = f"age <= 7 and disability.type in {T21_TYPES}"
    response = admin.post(
        "/eligibility/rules/T21/edit/", {"expression": new, "effective_from": on.isoformat(), "preview": "1"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert preview_cells(html, "T21") == {"before": "1", "after": "2", "gained": "+1", "lost": "−0"}
    assert "七**" in html and "七岁乙" not in html  # the first names, masked
    assert f"/eligibility/children/{seven.pk}/" in html
    assert RuleVersion.objects.filter(rule__code="T21").count() == 2  # v1 and v2; a preview saves nothing

    # Saving needs a note; then a new version from the date, the old one ends the day before.
    response = admin.post(
        "/eligibility/rules/T21/edit/", {"expression": new, "effective_from": on.isoformat(), "save": "1", "note": ""}
    )
    assert "「修改说明」不能为空" in text(response)
    response = admin.post(
        "/eligibility/rules/T21/edit/",
        {"expression": new, "effective_from": on.isoformat(), "save": "1", "note": "扩大到 7 岁"},
    )
    assert response.status_code == 302 and response["Location"] == "/eligibility/rules/T21/"
    versions = list(RuleVersion.objects.filter(rule__code="T21").order_by("version"))
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[1].effective_to == on - datetime.timedelta(days=1) and versions[2].effective_to is None
    page = text(admin.get("/eligibility/rules/T21/"))
    assert "第 3 版" in page and "第 2 版" in page and "$rehab_age_max" in page and "扩大到 7 岁" in page
    summary = "T21 0—6岁残疾儿童康复救助」第 3 版"
    assert AuditEvent.objects.filter(action="rules.update", summary__contains=summary).exists()
    assert six.pk  # (kept for readability: the six-year-old matched before and after)


def test_rule_that_does_not_compile_is_refused_in_chinese(login: Any) -> None:
    admin = login("admin")
    cases = {
        "age <= $no_such_limit": "未知参数：$no_such_limit",
        "disabled and disability.colour": "未知的字段或规则：disability.colour",
        "disability.colour == red": "比较的左边应为字段",
        "age <= 6 and": "应为",
        "T15": "规则循环引用",  # orphan → T15 → orphan
        "disability.type == wings": "没有取值 wings",
    }
    for expression, message in cases.items():
        code = "orphan" if expression == "T15" else "T21"
        response = admin.post(
            f"/eligibility/rules/{code}/edit/",
            {"expression": expression, "effective_from": today().isoformat(), "save": "1", "note": "试"},
        )
        assert response.status_code == 200
        assert message in text(response), (expression, text(response))
        assert 'data-testid="preview"' not in response.content.decode()
    assert RuleVersion.objects.filter(version__gt=2).count() == 0  # nothing beyond rules v2


def test_rule_editing_needs_manage_rules(login: Any) -> None:
    assert login("caseworker").get("/eligibility/rules/T21/edit/").status_code == 403
    assert login("caseworker").post("/eligibility/parameters/rehab_age_max/edit/", {"value": 9}).status_code == 403
    assert login("admin").get("/eligibility/rules/T99/edit/").status_code == 404
    assert login("community_a").get("/eligibility/rules/").status_code == 403


def test_editing_a_block_previews_the_rules_that_use_it(login: Any) -> None:
    on = today()
    register(name="低保甲", household={"low_income": True}, schooling={"stage": "primary", "enrolled": True})
    response = login("admin").post(
        "/eligibility/rules/econ_difficult/edit/",
        {"expression": "household.extreme_poverty", "effective_from": on.isoformat(), "preview": "1"},
    )
    html = response.content.decode()
    assert preview_cells(html, "T09") == {"before": "1", "after": "0", "gained": "+0", "lost": "−1"}
    assert 'data-code="T05"' in html and 'data-code="T10"' in html and 'data-code="T21"' not in html


# -- parameters: the "0–6 becomes 0–7" ---------------------------------------------------


def test_changing_the_age_limit_changes_the_preview_then_the_results_old_decisions_keep_their_version(
    login: Any,
) -> None:
    on = today()
    five = disabled_child(5, on, name="五岁甲")
    seven = disabled_child(7, on, name="七岁乙")
    admin = login("admin")

    first = start_run(admin)
    run_worker()
    first.refresh_from_db()
    assert first.state == RunState.DONE and first.counts["T21"] == 1
    assert first.rule_versions["$rehab_age_max"] == 6

    page = admin.get("/eligibility/parameters/")
    assert re.search(r'id="param-rehab_age_max">.*?data-testid="value"><strong>6<', page.content.decode(), re.S)
    response = admin.post(
        "/eligibility/parameters/rehab_age_max/edit/", {"value": "7", "effective_from": on.isoformat(), "preview": "1"}
    )
    html = response.content.decode()
    assert preview_cells(html, "T21") == {"before": "1", "after": "2", "gained": "+1", "lost": "−0"}
    assert "七**" in html
    assert 'data-code="T12"' not in html  # only the rules using the parameter
    response = admin.post(
        "/eligibility/parameters/rehab_age_max/edit/",
        {"value": "7", "effective_from": on.isoformat(), "save": "1", "note": "0—7 岁"},
    )
    assert response.status_code == 302
    assert ParameterVersion.objects.get(parameter__name="rehab_age_max", effective_to__isnull=True).value == 7

    second = start_run(admin)
    run_worker()
    second.refresh_from_db()
    assert second.state == RunState.DONE and second.counts["T21"] == 2 and second.rule_versions["$rehab_age_max"] == 7
    assert EligibilityChange.objects.get(run=second, code="T21").child_id == seven.pk
    run_page = admin.get(f"/eligibility/runs/{second.pk}/?code=T21&change=gained")
    assert "七岁乙" in text(run_page) and "五岁甲" not in text(run_page)
    assert "0—6岁残疾儿童康复救助：年龄上限 7" in text(run_page).replace("\xa0", " ")

    # Each decision keeps the rule version and parameters of the run that made it.
    old = Eligibility.objects.get(child=five, code="T21")
    new = Eligibility.objects.get(child=seven, code="T21")
    assert (old.found_by_id, old.rule_version) == (first.pk, 2)
    assert (new.found_by_id, new.rule_version) == (second.pk, 2)
    five_page = text(admin.get(f"/eligibility/children/{five.pk}/"))
    seven_page = text(admin.get(f"/eligibility/children/{seven.pk}/"))
    limit = "0—6岁残疾儿童康复救助：年龄上限"
    assert f"第 2 版 {limit} 6" in five_page.replace("\xa0", " ") and f"#{first.pk}" in five_page
    assert f"第 2 版 {limit} 7" in seven_page.replace("\xa0", " ") and f"#{second.pk}" in seven_page


def test_parameter_value_that_breaks_nothing_still_needs_a_later_date_and_a_note(login: Any) -> None:
    admin = login("admin")
    response = admin.post(
        "/eligibility/parameters/rehab_age_max/edit/",
        {"value": "7", "effective_from": "2019-01-01", "save": "1", "note": "x"},
    )
    assert "必须晚于当前版本的生效日期" in text(response)
    response = admin.post("/eligibility/parameters/rehab_age_max/edit/", {"value": "abc", "effective_from": "x"})
    assert response.status_code == 200 and 'class="errorlist"' in response.content.decode()
    assert ParameterVersion.objects.filter(version__gt=1).count() == 0


def test_a_new_rule_version_is_recorded_on_new_decisions_only(login: Any) -> None:
    on = today()
    earlier = on - datetime.timedelta(days=10)
    child = disabled_child(5, on, name="五岁甲")
    admin = login("admin")
    run_screening(screening_request(actor=None, region_code=COUNTY, as_of=earlier))
    admin.post(
        "/eligibility/rules/T24/edit/",
        {
            "expression": "disabled and disability.grade <= 3",
            "effective_from": on.isoformat(),
            "save": "1",
            "note": "只含 1–3 级",
        },
    )
    in_force_earlier = RuleVersion.objects.get(
        Q(effective_to__isnull=True) | Q(effective_to__gte=earlier), rule__code="T24", effective_from__lte=earlier
    ).version
    assert RuleVersion.objects.get(rule__code="T24", effective_to__isnull=True).version == 3  # after v1 and v2
    later = disabled_child(4, on, name="四岁乙")
    run_screening(screening_request(actor=None, region_code=COUNTY, as_of=on))
    assert Eligibility.objects.get(child=child, code="T24").rule_version == in_force_earlier
    assert Eligibility.objects.get(child=later, code="T24").rule_version == 3


# -- screening runs ----------------------------------------------------------------------------


def test_start_a_run_watch_the_progress_and_see_counts_and_changes(login: Any) -> None:
    on = today()
    disabled_child(5, on, name="五岁甲")
    register(name="低保乙", household={"low_income": True})
    caseworker = login("caseworker")
    page = caseworker.get("/eligibility/")
    assert 'data-testid="start-form"' in page.content.decode() and "还没有筛查记录" in text(page)
    run = start_run(caseworker)
    assert run.state == RunState.QUEUED and run.requested_by.username == "caseworker"  # type: ignore[union-attr]
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(args_kwargs__args=[run.pk]).exists()
    response = caseworker.get(f"/eligibility/runs/{run.pk}/")
    assert 'hx-trigger="every 1s"' in response.content.decode() and "排队中" in text(response)

    # A second overlapping run is refused while the first is unfinished.
    response = caseworker.post("/eligibility/runs/new/", {"region_code": TOWNSHIP_A, "as_of": on.isoformat()})
    assert response.status_code == 200 and f"筛查 #{run.pk}" in text(response) and "尚未完成" in text(response)

    run_worker()
    run.refresh_from_db()
    assert run.state == RunState.DONE and run.children_screened == 2
    progress = caseworker.get(f"/eligibility/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    html = caseworker.get(f"/eligibility/runs/{run.pk}/").content.decode()
    assert "hx-trigger" not in html
    assert re.search(r'<tr data-code="T21">.*?data-testid="matching">1<', html, re.S)
    assert re.search(r'<tr data-code="low_income">.*?data-testid="matching">1<', html, re.S)
    assert "五岁甲" in html and "低保乙" in html
    filtered = text(caseworker.get(f"/eligibility/runs/{run.pk}/?code=T02&change=gained"))
    assert "低保乙" in filtered and "五岁甲" not in filtered
    assert "没有符合筛选条件的变化" in text(caseworker.get(f"/eligibility/runs/{run.pk}/?code=T02&change=lost"))
    runs = text(caseworker.get("/eligibility/"))
    assert f"#{run.pk}" in runs and "已完成" in runs and "李业务" in runs

    # Nothing changed: the next run records no changes.
    again = start_run(caseworker)
    run_worker()
    again.refresh_from_db()
    assert (again.gained, again.lost) == (0, 0)
    assert "与上一次筛查相比没有变化" in text(caseworker.get(f"/eligibility/runs/{again.pk}/"))


def test_a_township_supervisor_screens_only_their_township_and_sees_only_their_children(login: Any) -> None:
    on = today()
    disabled_child(5, on, name="东关甲", region_code=VILLAGE_A)
    disabled_child(5, on, name="普乐乙", region_code=VILLAGE_B)
    supervisor = login("supervisor_a")
    form = supervisor.get("/eligibility/").content.decode()
    assert f'value="{TOWNSHIP_A}"' in form and f'value="{COUNTY}"' not in form
    response = supervisor.post("/eligibility/runs/new/", {"region_code": COUNTY, "as_of": on.isoformat()})
    assert response.status_code == 200 and not ScreeningRun.objects.exists()
    own = start_run(supervisor, TOWNSHIP_A)
    run_worker()
    own.refresh_from_db()
    assert own.children_screened == 1

    county = start_run(login("admin"))
    run_worker()
    county_page = text(supervisor.get(f"/eligibility/runs/{county.pk}/"))
    assert "只显示您辖区内的儿童" in county_page
    assert "普乐乙" not in county_page and "东关甲" not in county_page  # already eligible: no change
    assert login("supervisor_b").get(f"/eligibility/runs/{own.pk}/").status_code == 404
    assert "普乐乙" in text(login("supervisor_b").get(f"/eligibility/runs/{county.pk}/"))
    runs = supervisor.get("/eligibility/").content.decode()
    assert f"#{own.pk}" in runs and f"#{county.pk}" in runs


def test_the_leader_sees_counts_but_no_names(login: Any) -> None:
    on = today()
    disabled_child(5, on, name="五岁甲")
    run = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=on))
    leader = login("leader")
    page = leader.get(f"/eligibility/runs/{run.pk}/")
    assert page.status_code == 200 and "五岁甲" not in text(page)
    assert re.search(r'<tr data-code="T21">.*?data-testid="matching">1<', page.content.decode(), re.S)
    counts = leader.get("/eligibility/counts/").content.decode()
    assert "/eligibility/counts/children/" not in counts
    assert re.search(r'<tr data-code="T21">.*?data-testid="total"><strong>1<', counts, re.S)
    assert leader.get(f"/eligibility/counts/children/?region={COUNTY}&code=T21").status_code == 403
    assert leader.post("/eligibility/runs/new/", {"region_code": COUNTY}).status_code == 403


# -- counts ------------------------------------------------------------------------------------


def test_counts_by_township_list_and_exports(login: Any, personas: dict[str, User]) -> None:
    on = today()
    disabled_child(5, on, name="=东关甲", region_code=VILLAGE_A)
    disabled_child(4, on, name="普乐乙", region_code=VILLAGE_B)
    run_screening(screening_request(actor=None, region_code=COUNTY, as_of=on))
    admin = login("admin")
    html = admin.get("/eligibility/counts/").content.decode()
    row = re.search(r'<tr data-code="T21">(.*?)</tr>', html, re.S)
    assert row is not None
    assert f'?region={TOWNSHIP_A}&code=T21">1</a>' in row.group(1)
    assert f'?region={COUNTY}&code=T21"><strong>2</strong>' in row.group(1)
    township = admin.get(f"/eligibility/counts/?region={TOWNSHIP_A}").content.decode()
    assert "东关村" in township and f'region={VILLAGE_A}&code=T21">1</a>' in township
    assert 'data-code="T01"' not in admin.get("/eligibility/counts/?kind=category").content.decode()

    listing = text(admin.get(f"/eligibility/counts/children/?region={COUNTY}&code=T21"))
    assert "=东关甲" in listing and "普乐乙" in listing
    assert admin.get(f"/eligibility/counts/children/?region={COUNTY}&code=nope").status_code == 404

    # A township supervisor: only their township, in the table, the list and the export.
    supervisor = login("supervisor_a")
    own = supervisor.get("/eligibility/counts/").content.decode()
    assert "普乐堡" not in own and re.search(r'<tr data-code="T21">.*?<strong>1</strong>', own, re.S)
    assert supervisor.get(f"/eligibility/counts/?region={COUNTY}").status_code == 404
    assert supervisor.get(f"/eligibility/counts/children/?region={COUNTY}&code=T21").status_code == 404
    own_list = text(supervisor.get(f"/eligibility/counts/children/?region={TOWNSHIP_A}&code=T21"))
    assert "=东关甲" in own_list and "普乐乙" not in own_list

    response = supervisor.get(f"/eligibility/counts/children/export.xlsx?region={TOWNSHIP_A}&code=T21")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "姓名" and [r[0] for r in rows[1:]] == ["=东关甲"]
    assert b"<f>" not in _sheet_xml(response.content)  # written as text, never a formula
    event = AuditEvent.objects.get(action="eligibility.list_export")
    assert event.actor == personas["supervisor_a"] and "1 名儿童" in event.summary

    table = admin.get("/eligibility/counts/export.xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(table.content)).get_sheet_by_index(0).to_python()
    t21 = next(r for r in rows if r[0] == "T21")
    assert rows[0][-1] == "合计" and t21[-1] == 2
    assert AuditEvent.objects.filter(action="eligibility.counts_export", actor=personas["admin"]).exists()


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_counts_before_any_screening_say_so(login: Any) -> None:
    page = login("caseworker").get("/eligibility/counts/")
    assert page.status_code == 200 and "还没有筛查结果" in text(page)


# -- one child ---------------------------------------------------------------------------------


def test_child_page_explains_categories_and_measures_and_shows_history(login: Any) -> None:
    from shouhu.registry.tests.example import example

    from .eligibility_factories import child_data

    on = today()
    data = example()
    data.update(id_number=None, no_id_reason="测试", birth_date="2015-03-15")
    child = register(**{k: v for k, v in data.items() if k in child_data() or k not in ("id_number",)})
    run = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=on))
    page = login("director_a").get(f"/eligibility/children/{child.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    body = text(page)
    assert "事实无人抚养儿童：父亲死亡，母亲服刑 2024-01-01 至 2030-06-30（满 6 个月）" in body
    for code in ("T01", "T02", "T05", "T06", "T07", "T09", "T10", "T24"):
        assert f'<li data-code="{code}">' in html
    assert re.search(r'data-testid="eligibility-history">.*?data-code="T01"', html, re.S)
    assert f"#{run.pk}" in body and "至今" in body
    assert AuditEvent.objects.filter(action="children.view", summary__contains="资格认定").exists()
    assert login("director_b").get(f"/eligibility/children/{child.pk}/").status_code == 404
    assert login("leader").get(f"/eligibility/children/{child.pk}/").status_code == 403
    # Another date: recomputed with the rules and facts of that day.
    adult = text(login("director_a").get(f"/eligibility/children/{child.pk}/?on=2033-03-15"))
    assert "2033-03-15" in adult and "不属于任何类别" in adult and "没有适用的措施" in adult
    assert "日期 2030-99-01 无效" in text(login("director_a").get(f"/eligibility/children/{child.pk}/?on=2030-99-01"))


def test_lost_eligibility_shows_as_ended_with_the_run_that_ended_it(login: Any, personas: dict[str, User]) -> None:
    from shouhu.registry import services
    from shouhu.registry.selectors import situation_on

    on = today()
    child = register(name="低保甲", household={"low_income": True}, effective=on - datetime.timedelta(days=40))
    first = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=on - datetime.timedelta(days=20)))
    record = situation_on(child, on)
    from dataclasses import replace

    services.child_update(
        actor=personas["caseworker"],
        child=child,
        record=replace(record, low_income=False),
        expected_version=child.version,
        effective=on - datetime.timedelta(days=10),
    )
    second = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=on))
    assert EligibilityChange.objects.filter(run=second, child=child, change=ChangeKind.LOST, code="T02").exists()
    body = text(login("caseworker").get(f"/eligibility/children/{child.pk}/"))
    assert f"#{first.pk} → #{second.pk}" in body
    assert "不属于任何类别" in body


def test_a_run_cannot_be_dated_in_the_future(login: Any) -> None:
    tomorrow = today() + datetime.timedelta(days=1)
    response = login("admin").post("/eligibility/runs/new/", {"region_code": COUNTY, "as_of": tomorrow.isoformat()})
    assert response.status_code == 200 and "「筛查基准日」不能晚于今天" in text(response)
    assert not ScreeningRun.objects.exists()
