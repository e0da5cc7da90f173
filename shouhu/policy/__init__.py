"""The county's task-division table (重点任务分工表) and the supervision of its tasks.

Where things are:

- `models`, `selectors` — the table's rows and its core reads (the current version, who answers
  for a task on a date through departments' reorganisations);
- `importing/` — parsing, previewing, importing and exporting the table;
- `explore/` — the task list, the department × task matrix, department and township pages;
- `reorganisations/` — departments' renames, merges and splits;
- `supervision/` — periodic progress reports, their evidence and review;
- `panels`, `demo`, `tasks` — found by autodiscovery (home panels, demo data, reminders).

Writes live in each part's `services.py` (`importing/services.py`, `explore/services.py`,
`reorganisations/services.py`, `supervision/services.py`), each with its audit row. Who may see
or do what is `shouhu.access` (`access/supervision.py`, `access/regions.py` for townships).
"""
