"""The task-division table from import to supervision: the administrator imports a revision of
the county's table (preview, confirm), explores it (task list, matrix, a department's page); an
education-bureau officer reports progress on one of its tasks with an evidence PDF; the
caseworker reviews and accepts the report, and the supervision matrix shows it accepted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

TABLE = Path(__file__).resolve().parents[2] / "shouhu" / "policy" / "data" / "huanren-task-table.txt"
OLD_TEXT = "对于其他困境儿童，各地也要做好基本生活保障工作。"
NEW_TEXT = "对于其他困境儿童，各地也要做好基本生活保障工作，每季度入户走访一次。"
NARRATIVE = "本季度已核对随班就读残疾儿童名单，落实送教上门 12 人。"
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def log_out(page: Any, base: str) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{base}/login/")


def column_of(page: Any, table: str, header: str) -> int:
    """The 0-based index of the data cell under `header` in `table`'s header row (whose first
    column labels the rows)."""
    headers = [t.strip() for t in page.locator(f"{table} thead th").all_inner_texts()]
    return headers.index(header) - 1


def test_import_explore_report_and_review(page: Any, served_app: str, tmp_path: Path, worker: None) -> None:
    base = served_app

    # --- the administrator imports a revision of the table ---------------------------------
    log_in(page, base, "admin")
    source = TABLE.read_text(encoding="utf-8")
    assert source.count(OLD_TEXT) == 1
    revision = tmp_path / "huanren-task-table-rev2.txt"
    revision.write_text(source.replace(OLD_TEXT, NEW_TEXT), encoding="utf-8")

    page.goto(f"{base}/policy/import/")
    page.set_input_files("input[name=file]", str(revision))
    screenshot(page, "policy-1-upload")
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url(f"{base}/policy/import/preview/")
    differences = page.locator("[data-testid=differences]")
    assert "将作为第 2 版导入" in differences.inner_text()
    changed = differences.locator("li").filter(has_text="任务 4")
    assert changed.count() == 1
    assert OLD_TEXT in changed.inner_text() and NEW_TEXT in changed.inner_text()
    assert differences.locator("li").count() == 1  # only the one task changed
    screenshot(page, "policy-2-preview")
    page.get_by_role("button", name="确认导入为第 2 版").click()
    page.wait_for_url(f"{base}/policy/")
    assert "第 2 版" in page.locator("[role=status]").inner_text()
    task_4 = page.locator("[data-testid=task][data-number='4']")
    assert NEW_TEXT in task_4.inner_text()
    assert "第 2 版" in page.locator("hgroup").inner_text()
    screenshot(page, "policy-3-task-list")

    # The matrix: 县民政局 leads task 5.
    page.goto(f"{base}/policy/matrix/")
    row = page.locator("[data-testid=matrix-row][data-department='县民政局']")
    cell = row.locator("td[data-code]").nth(column_of(page, "[data-testid=matrix]", "5"))
    assert cell.get_attribute("data-code") == "L"
    assert cell.inner_text().strip() == "L"
    screenshot(page, "policy-4-matrix")

    # 县卫健局's page lists tasks 5 and 6, written in the table against its predecessor 县卫计局
    # (7 and 8, 城乡居民医保, passed to 县医保局 in the 2019 reform).
    page.goto(f"{base}/departments/")
    page.get_by_role("link", name="县卫健局", exact=True).click()
    page.wait_for_url(re.compile(r".*/departments/\d+/$"))
    tasks = page.locator("[data-testid=department-task]")
    numbers = {int(n) for n in (tasks.nth(i).get_attribute("data-number") for i in range(tasks.count())) if n}
    assert {5, 6} <= numbers and not {7, 8} & numbers, numbers
    for number in (5, 6):
        row_text = page.locator(f"[data-testid=department-task][data-number='{number}']").inner_text()
        assert "表中写作 县卫计局" in row_text, row_text
    screenshot(page, "policy-5-department")
    log_out(page, base)

    # --- the education bureau reports on task 10 for the current period ---------------------
    log_in(page, base, "officer_a")
    page.goto(f"{base}/policy/supervision/mine/")
    current = page.locator("h2:text-is('本报告期') + ul [data-testid=obligation]")
    task_10 = current.filter(has=page.locator("strong", has_text=re.compile(r"^10\.$")))
    assert task_10.count() == 1
    assert "待报告" in task_10.inner_text()
    screenshot(page, "policy-6-mine")
    task_10.get_by_role("button", name="报告").click()
    page.wait_for_url(re.compile(r".*/policy/supervision/report/\d+/\d+/.*"))
    assert "报告任务 10 的进展" in page.locator("h1").inner_text()
    page.check("input[name=status][value=in_progress]")
    page.fill("textarea[name=narrative]", NARRATIVE)
    evidence = tmp_path / "送教上门名单.pdf"
    evidence.write_bytes(MINIMAL_PDF)
    page.set_input_files("#id_files", str(evidence))
    screenshot(page, "policy-7-report-form")
    page.get_by_role("button", name="提交报告").click()
    page.wait_for_url(re.compile(r".*/policy/supervision/reports/\d+/$"))
    report_path = re.sub(r"^https?://[^/]+", "", page.url)
    assert "已提交任务 10 的" in page.locator("[role=status]").inner_text()
    assert page.locator("[data-testid=review-state]").inner_text() == "待审核"
    assert NARRATIVE in page.content() and "送教上门名单.pdf" in page.content()
    screenshot(page, "policy-8-report-submitted")
    log_out(page, base)

    # --- the caseworker accepts it ------------------------------------------------------------
    log_in(page, base, "caseworker")
    page.goto(f"{base}/policy/supervision/queue/")
    link = page.locator(f"a[href='{report_path}']")
    assert link.count() == 1
    assert "县教育局" in page.locator("tr", has=link).inner_text()
    screenshot(page, "policy-9-queue")
    link.click()
    page.wait_for_url(f"{base}{report_path}")
    assert NARRATIVE in page.content()
    page.get_by_role("button", name="通过").click()
    page.wait_for_url(f"{base}/policy/supervision/queue/")
    assert "报告已通过" in page.locator("[role=status]").inner_text()
    assert page.locator(f"a[href='{report_path}']").count() == 0

    page.goto(f"{base}{report_path}")
    assert page.locator("[data-testid=review-state]").inner_text() == "已通过"

    page.goto(f"{base}/policy/supervision/")
    matrix = "[data-testid=matrix]"
    row = page.locator(f"{matrix} tbody tr").filter(has=page.locator("th strong", has_text=re.compile(r"^10\.$")))
    assert row.count() == 1
    cell = row.locator("td.cell").nth(column_of(page, matrix, "县教育局"))
    assert "已通过" in cell.inner_text() and "推进中" in cell.inner_text()
    assert cell.locator(f"a[href='{report_path}']").count() == 1
    screenshot(page, "policy-10-supervision-matrix")
