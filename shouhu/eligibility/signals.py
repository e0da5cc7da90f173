"""What eligibility tells other apps, without knowing who listens (casework drafts intake
suggestions from them in casework/receivers.py). Eligibility imports no app that builds on it.

- `part_screened(sender=ScreeningPart, part=…, run=…)`: a screening part has its results, sent
  by `screening.screen_part(…, announce=True)` (the worker's task, `shouhu screen --all`) INSIDE
  the part's transaction, just before the part is marked done: a receiver's writes commit with
  the part, and a receiver that raises rolls the part back (it is taken again, whole). So a part
  is never done without what its receivers write, and a part done is never announced twice. Each
  receiver returns how many suggestions it drafted (an int), kept on the part (`suggested`).
  `demo load` and the benchmarks screen without announcing.
- `child_screened(sender=ScreeningRun, run=…, child=…)`: one child was screened at once (a run of
  that child, `screening.screen_child`) after a person registered or changed it; sent by
  receivers.py inside the change's transaction, so a receiver's writes commit with it. Each
  receiver returns how many suggestions it drafted (an int), which the person is told.
"""

from __future__ import annotations

from django.dispatch import Signal

part_screened = Signal()
child_screened = Signal()
