"""Importing the task-division table: the real file, other formats, revisions, unknown units,
malformed documents (real files and database, no mocks)."""

from __future__ import annotations

import dataclasses

import pytest

from shouhu.accounts.models import Department, DepartmentKind, User
from shouhu.core.models import AuditEvent
from shouhu.policy.demo import TABLE_ISSUING_BODY, load_policy_table
from shouhu.policy.importing import PolicyImportError, policy_import_commit, policy_import_preview
from shouhu.policy.importing.parsing import ParsedTask
from shouhu.policy.importing.preview import content_hash
from shouhu.policy.models import (
    PolicyDocument,
    PolicyTask,
    ReportFrequency,
    ResponsibilityRole,
    TaskResponsibility,
    UnitAlias,
)

from .import_helpers import SOURCE, TITLE, as_docx, as_xlsx, replace, source_bytes, source_tasks

pytestmark = pytest.mark.django_db


def import_source(actor: User | None = None, **kwargs: object) -> PolicyDocument:
    return policy_import_commit(actor=actor, data=source_bytes(), filename=SOURCE.name, **kwargs)  # type: ignore[arg-type]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (PolicyDocument, PolicyTask, TaskResponsibility, UnitAlias, Department, AuditEvent)
    }


def test_import_real_table(personas: dict[str, User]) -> None:
    admin = personas["admin"]
    document = import_source(admin, issuing_body="桓仁满族自治县人民政府办公室")
    assert (document.title, document.version, document.source_format) == (TITLE, 1, "txt")
    assert document.source_filename == SOURCE.name
    assert document.imported_by == admin
    assert document.tasks.count() == 47
    assert document.tasks.values("area").distinct().count() == 12
    assert [t.area_order for t in document.tasks.filter(number__in=[1, 5, 9, 47]).order_by("number")] == [1, 2, 3, 12]

    task1 = document.tasks.get(number=1)
    assert task1.responsibility_text == "牵头单位：县民政局\n配合单位：各乡镇（街道）"
    assert task1.mode == "lead_and_cooperating"
    rows = [(r.role, r.name_as_written, r.position, r.department.name) for r in task1.responsibilities.all()]
    assert sorted(rows) == [("cooperating", "各乡镇（街道）", 1, "各乡镇（街道）"), ("lead", "县民政局", 1, "县民政局")]
    task34 = document.tasks.get(number=34)
    assert [r.name_as_written for r in task34.responsibilities.order_by("position")] == [
        "县国税局",
        "县地税局",
        "县财政局",
        "县民政局",
        "县发改局",
        "县残联",
    ]
    assert set(task34.responsibilities.values_list("role", flat=True)) == {ResponsibilityRole.LEAD}
    # the table names 21 units; every one of them resolves to a seeded unit
    assert TaskResponsibility.objects.filter(task__document=document).values("department").distinct().count() == 21

    event = AuditEvent.objects.get(action="policy.import")
    assert event.actor == admin
    assert event.object_id == str(document.pk)
    assert "第 1 版" in event.summary and "47 项任务" in event.summary


def test_preview_writes_nothing_and_summarises() -> None:
    before = counts()
    preview = policy_import_preview(actor=None, data=source_bytes(), filename=SOURCE.name)
    assert counts() == before
    assert preview.can_commit and preview.errors == [] and preview.unknown_units == []
    assert preview.title == TITLE
    assert len(preview.tasks) == 47 and len(preview.areas) == 12 and len(preview.unit_names) == 21
    assert dict((mode, count) for mode, _, count in preview.modes) == {
        "lead_and_cooperating": 24,
        "each_by_duty": 19,
        "each_township": 1,
        "sole": 3,
    }
    assert preview.previous is None and preview.next_version == 1
    assert "将作为第 1 版导入" in preview.summary_lines()


def test_reimport_same_table_changes_nothing() -> None:
    first = import_source()
    before = counts()
    preview = policy_import_preview(actor=None, data=source_bytes(), filename=SOURCE.name)
    assert preview.unchanged == first
    assert "与已有的第 1 版内容相同，无变化" in preview.summary_lines()
    assert import_source() == first
    assert counts() == before


@pytest.mark.parametrize(
    ("builder", "filename", "fmt"), [(as_docx, "分工表.docx", "docx"), (as_xlsx, "分工表.xlsx", "xlsx")]
)
def test_same_table_in_other_formats_is_no_change(builder, filename: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    first = import_source()
    data = builder(source_tasks())
    preview = policy_import_preview(actor=None, data=data, filename=filename)
    assert preview.source_format == fmt
    assert preview.title == TITLE
    assert preview.content_hash == first.content_hash
    assert preview.unchanged == first
    before = counts()
    assert policy_import_commit(actor=None, data=data, filename=filename) == first
    assert counts() == before


def test_first_import_from_docx_then_text_is_no_change() -> None:
    document = policy_import_commit(actor=None, data=as_docx(source_tasks()), filename="分工表.docx")
    assert document.source_format == "docx"
    assert import_source() == document


def revised_tasks() -> list[ParsedTask]:
    tasks = source_tasks()
    tasks = replace(tasks, 4, text="对于其他困境儿童，各乡镇（街道）要做好基本生活保障工作。")
    tasks = replace(
        tasks,
        5,
        responsibility="牵头单位：县民政局\n配合单位：县财政局、县卫计局",
        cooperating=("县财政局", "县卫计局"),
    )
    tasks = [t for t in tasks if t.number != 46]
    added = dataclasses.replace(
        tasks[-1],
        number=48,
        text="每年开展一次困境儿童保障工作督查。",
        responsibility="县民政局",
        mode="sole",
        lead=("县民政局",),
        cooperating=(),
    )
    return [*tasks, added]


def test_revision_creates_version_2_with_exact_differences(personas: dict[str, User]) -> None:
    first = import_source(issuing_body="桓仁满族自治县人民政府办公室")
    PolicyTask.objects.filter(document=first, number__in=[10, 46]).update(report_frequency=ReportFrequency.MONTHLY)
    data = as_xlsx(revised_tasks())
    preview = policy_import_preview(actor=personas["admin"], data=data, filename="分工表（修订）.xlsx")
    assert preview.can_commit and preview.unchanged is None
    assert preview.previous == first and preview.next_version == 2
    summary = [(d.number, d.kind) for d in preview.differences]
    assert summary == [(4, "text"), (5, "units"), (46, "removed"), (48, "added")]
    by_kind = {d.kind: d for d in preview.differences}
    assert by_kind["text"].before == "对于其他困境儿童，各地也要做好基本生活保障工作。"
    assert by_kind["text"].after == "对于其他困境儿童，各乡镇（街道）要做好基本生活保障工作。"
    assert by_kind["units"].before == "牵头：县民政局；配合：县财政局、县卫计局、县人社局、县残联"
    assert by_kind["units"].after == "牵头：县民政局；配合：县财政局、县卫计局"
    assert by_kind["added"].after == "每年开展一次困境儿童保障工作督查。"
    assert by_kind["removed"].before.startswith("大力弘扬社会主义核心价值观")
    lines = preview.summary_lines()
    assert "将作为第 2 版导入；与第 1 版相比：" in lines
    assert "  任务 48：新增「每年开展一次困境儿童保障工作督查。」" in lines

    second = policy_import_commit(actor=personas["admin"], data=data, filename="分工表（修订）.xlsx")
    assert (second.title, second.version, second.source_format) == (TITLE, 2, "xlsx")
    assert second.issuing_body == "桓仁满族自治县人民政府办公室"  # carried over from version 1
    assert second.tasks.count() == 47
    assert list(second.tasks.order_by("number").values_list("number", flat=True))[-2:] == [47, 48]
    assert second.tasks.get(number=10).report_frequency == ReportFrequency.MONTHLY  # copied from version 1
    assert second.tasks.get(number=11).report_frequency == ReportFrequency.QUARTERLY
    assert second.tasks.get(number=48).report_frequency == ReportFrequency.QUARTERLY
    assert first.tasks.count() == 47  # version 1 is kept as it was
    event = AuditEvent.objects.filter(action="policy.import").latest("id")
    assert event.detail["previous_version"] == 1
    assert [(d["number"], d["kind"]) for d in event.detail["differences"]] == summary

    # importing version 2 again is no change; importing version 1's content again is a revert (3)
    assert policy_import_commit(actor=None, data=data, filename="again.xlsx") == second
    revert = policy_import_preview(actor=None, data=source_bytes(), filename=SOURCE.name)
    assert revert.unchanged is None and revert.same_as_version == first and revert.next_version == 3


def test_area_change_is_a_difference() -> None:
    import_source()
    tasks = replace(source_tasks(), 24, area="加强残疾儿童康复服务")
    preview = policy_import_preview(actor=None, data=as_xlsx(tasks), filename="t.xlsx")
    assert [(d.number, d.kind, d.before, d.after) for d in preview.differences] == [
        (24, "area", "加强残疾儿童福利服务", "加强残疾儿童康复服务")
    ]


def test_title_defaults() -> None:
    tasks = source_tasks()
    preview = policy_import_preview(actor=None, data=as_xlsx(tasks, title=None), filename="/tmp/二〇二六年分工表.xlsx")
    assert preview.title == "二〇二六年分工表"
    preview = policy_import_preview(actor=None, data=as_xlsx(tasks), filename="x.xlsx", title="  另一份分工表 ")
    assert preview.title == "另一份分工表" and preview.previous is None


def table_with_unknown_units() -> bytes:
    tasks = source_tasks()
    tasks = replace(
        tasks,
        5,
        responsibility="牵头单位：县民政局\n配合单位：县财政局、县卫健委",
        cooperating=("县财政局", "县卫健委"),
    )
    tasks = replace(tasks, 6, responsibility="牵头单位：县残联\n配合单位：县卫健委", cooperating=("县卫健委",))
    tasks = replace(tasks, 20, responsibility="县青少年活动中心", lead=("县青少年活动中心",))
    return as_xlsx(tasks, title="含未知单位的分工表")


def test_unknown_units_block_the_commit_with_row_and_name() -> None:
    data = table_with_unknown_units()
    preview = policy_import_preview(actor=None, data=data, filename="t.xlsx")
    assert not preview.can_commit
    assert [(u.name, u.rows, u.numbers) for u in preview.unknown_units] == [
        ("县卫健委", (7, 8), (5, 6)),  # row 1 is the title, row 2 the header
        ("县青少年活动中心", (22,), (20,)),
    ]
    before = counts()
    with pytest.raises(PolicyImportError) as caught:
        policy_import_commit(actor=None, data=data, filename="t.xlsx")
    assert caught.value.errors == [
        "第 7、8 行（任务 5、6）「责任单位」：未知单位「县卫健委」，请对应到已有单位或确认为新单位",
        "第 22 行（任务 20）「责任单位」：未知单位「县青少年活动中心」，请对应到已有单位或确认为新单位",
    ]
    assert counts() == before
    # mapping only one of them is still refused, and nothing (not even the alias) is written
    health = Department.objects.get(name="县卫健局")
    with pytest.raises(PolicyImportError) as caught:
        policy_import_commit(actor=None, data=data, filename="t.xlsx", aliases={"县卫健委": health.pk})
    assert len(caught.value.errors) == 1 and "县青少年活动中心" in caught.value.errors[0]
    assert counts() == before


def test_mapping_and_creating_units_lets_the_import_through(personas: dict[str, User]) -> None:
    data = table_with_unknown_units()
    health = Department.objects.get(name="县卫健局")
    document = policy_import_commit(
        actor=personas["admin"],
        data=data,
        filename="t.xlsx",
        aliases={"县卫健委": health.pk},
        create_units=["县青少年活动中心"],
    )
    alias = UnitAlias.objects.get(alias="县卫健委")
    assert alias.department == health
    created = Department.objects.get(name="县青少年活动中心")
    assert (created.kind, created.official_name) == (DepartmentKind.GOVERNMENT, "县青少年活动中心")
    row = TaskResponsibility.objects.get(task__document=document, task__number=5, name_as_written="县卫健委")
    assert (row.department, row.role, row.position) == (health, "cooperating", 2)
    assert document.tasks.get(number=20).responsibilities.get().department == created
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"policy.import", "policy.unit_alias_create", "department.create"} <= actions

    # next time the same spellings resolve without asking
    tasks = replace(source_tasks(), 6, responsibility="牵头单位：县残联\n配合单位：县卫健委", cooperating=("县卫健委",))
    tasks = replace(tasks, 20, responsibility="县青少年活动中心", lead=("县青少年活动中心",))
    preview = policy_import_preview(actor=None, data=as_xlsx(tasks, title="含未知单位的分工表"), filename="t.xlsx")
    assert preview.unknown_units == [] and preview.can_commit
    assert preview.resolved["县卫健委"] == health


def test_bad_choices_for_unknown_units() -> None:
    data = table_with_unknown_units()
    health = Department.objects.get(name="县卫健局")
    preview = policy_import_preview(
        actor=None,
        data=data,
        filename="t.xlsx",
        aliases={"县卫健委": health.pk, "县青少年活动中心": 999999},
        create_units=["县卫健委", "县民政局", "不存在的单位"],
    )
    assert not preview.can_commit
    assert preview.errors == [
        "要新建的单位「不存在的单位」在表中没有出现",
        "「县卫健委」不能同时对应到已有单位又确认为新单位",
        "「县青少年活动中心」要对应的单位（编号 999999）不存在",
        "「县民政局」已是已有单位「县民政局」，无需新建",
    ]


def test_malformed_document_writes_nothing() -> None:
    import_source()
    before = counts()
    text = source_bytes().decode("utf-8").replace("\t5\n", "\t五\n", 1)
    with pytest.raises(PolicyImportError) as caught:
        policy_import_commit(actor=None, data=text.encode(), filename="坏表.txt", aliases={"x": 1}, create_units=["y"])
    assert "第 6 行「序号」：「五」不是整数" in caught.value.errors
    assert counts() == before
    for data, filename, expected in [
        (b"", "empty.txt", "文件「empty.txt」为空"),
        (b"%PDF-1.7", "t.pdf", "不支持的文件类型「.pdf」"),
        (b"PK\x03\x04broken", "t.docx", "不是有效的Word 文档（.docx）"),
    ]:
        with pytest.raises(PolicyImportError) as caught:
            policy_import_commit(actor=None, data=data, filename=filename)
        assert any(expected in message for message in caught.value.errors), caught.value.errors
        assert counts() == before


def test_content_hash_ignores_rows_and_wording() -> None:
    tasks = source_tasks()
    shifted = [dataclasses.replace(t, row=t.row + 5, responsibility=t.responsibility + " ") for t in tasks]
    assert content_hash(tasks) == content_hash(reversed(shifted))
    assert content_hash(tasks) != content_hash(replace(tasks, 1, mode="sole"))


def test_demo_loader_is_idempotent() -> None:
    message = load_policy_table({})
    assert message is not None and "第 1 版" in message
    document = PolicyDocument.objects.get()
    assert (document.title, document.issuing_body) == (TITLE, TABLE_ISSUING_BODY)
    before = counts()
    assert "未做更改" in (load_policy_table({}) or "")
    assert counts() == before
    # after a county revision, the demo never overwrites it
    policy_import_commit(actor=None, data=as_xlsx(revised_tasks()), filename="修订.xlsx")
    before = counts()
    load_policy_table({})
    assert counts() == before
