"""Supervision (督办): each responsible unit reports its progress on its tasks every period, with
evidence; county civil affairs reviews the reports; reminders go out before and after the due date.

- `periods` — reporting periods and due dates (the bottom: depends on nothing else here);
- `evidence` — which files may be attached (checked by `shouhu.core.uploads`);
- `selectors` — obligations (task × unit × period) and their state, the matrix, the review queue;
- `reports` — the Excel workbooks' rows and layout;
- `services` — every write, each with its audit row;
- `views`, `urls` — the pages under /policy/supervision/.

Who may report for, open or export what is decided in `shouhu.access.supervision`.
"""
