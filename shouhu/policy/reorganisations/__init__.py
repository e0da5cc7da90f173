"""Departments' reorganisations (机构改革): renames, merges and splits, recorded once and followed
everywhere (the task list, the matrix, department pages, supervision) through
`shouhu.policy.selectors.ReorganisationGraph`.

- `services` — recording one and correcting its date (with their audit rows);
- `selectors` — the list and a unit's lineage;
- `views`, `urls` — the pages under /policy/reorganisations/.
"""
