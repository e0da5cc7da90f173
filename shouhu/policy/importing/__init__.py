"""Importing and exporting the task-division table (重点任务分工表).

- `parsing` — the table from .txt / .docx / .xlsx into tasks (pure Python, no Django);
- `preview` — a dry run: what an import would do, which unit names are unknown, what changed;
- `staging` — an upload kept between preview and confirm;
- `exporting` — a version as JSON or Excel;
- `services` — the writes: the import itself and the audit row of an export;
- `views`, `urls` — the pages under /policy/import/.

Other apps and the command line use the entry points below.
"""

from .preview import ImportPreview, PolicyImportError, policy_import_preview
from .services import policy_export_record, policy_import_commit

__all__ = [
    "ImportPreview",
    "PolicyImportError",
    "policy_export_record",
    "policy_import_commit",
    "policy_import_preview",
]
