"""Registered by shouhu.policy.contributions: the demo loads the county's real task-division
table from the copy shipped with the product (shouhu/policy/data/huanren-task-table.txt)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shouhu.core.demo import demo_loader

from .importing import content_hash, policy_import_commit
from .models import PolicyDocument
from .parsing import parse_policy_document

TABLE_FILE = Path(__file__).resolve().parent / "data" / "huanren-task-table.txt"
TABLE_TITLE = "桓仁满族自治县困境儿童保障工作重点任务分工表"
# A default for the county to confirm (the table itself does not name its issuing body).
TABLE_ISSUING_BODY = "桓仁满族自治县人民政府办公室"


@demo_loader
def load_policy_table(users: dict[str, Any]) -> str | None:
    """Import the real table once; a later run (or a county that has since imported a revision
    with the same title) changes nothing."""
    data = TABLE_FILE.read_bytes()
    digest = content_hash(parse_policy_document(data, TABLE_FILE.name).tasks)
    existing = PolicyDocument.objects.filter(title=TABLE_TITLE).order_by("-version").first()
    if PolicyDocument.objects.filter(title=TABLE_TITLE, content_hash=digest).exists():
        assert existing is not None
        return f"任务分工表：《{TABLE_TITLE}》已导入（第 {existing.version} 版），未做更改"
    if existing is not None:
        return f"任务分工表：《{TABLE_TITLE}》已有第 {existing.version} 版（已修订），演示数据不覆盖"
    document = policy_import_commit(
        actor=None, data=data, filename=TABLE_FILE.name, title=TABLE_TITLE, issuing_body=TABLE_ISSUING_BODY
    )
    return f"任务分工表：已导入《{document.title}》第 {document.version} 版，{document.tasks.count()} 项任务"
