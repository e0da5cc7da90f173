"""Reading the task-division table (重点任务分工表): tasks by area with search and filters, units
as written / as today / as on a date, the department × task matrix (and its Excel export), one
task's history, a department's tasks and a township's tasks.

- `units` — how a unit answers for a task and which names to show (the base of the others);
- `task_list` — versions, areas, search, the grouped list, one task and its history;
- `matrix` — the department × task matrix and its workbook;
- `departments` — a department's tasks (its page, the home panel);
- `townships` — the tasks every township answers for;
- `services` — the one write: the audit row of a matrix export;
- `views`, `urls` — the pages under /policy/.
"""
