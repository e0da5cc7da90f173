"""What eligibility tells other apps, without knowing who listens (casework drafts intake
suggestions from them in casework/receivers.py). Eligibility imports no app that builds on it.

- `part_screened(sender=ScreeningPart, part_id=…)`: a screening part is done, sent by the
  worker's task (`tasks.screen_part_task`) once the part's transaction has committed, so a
  receiver sees its results. A repeated task finds the part done and sends it again: receivers
  are idempotent. In-process runs (`run_screening`) do not send it.
- `run_screened(sender=ScreeningRun, run=…)`: a whole run screened in this process has finished
  (`shouhu screen --all`). Each receiver returns how many suggestions it drafted (an int), which
  the command adds up and prints.
- `child_screened(sender=ScreeningRun, run=…, child=…)`: one child was screened at once (a run of
  that child, `screening.screen_child`) after a person registered or changed it; sent by
  receivers.py inside the change's transaction, so a receiver's writes commit with it. Each
  receiver returns how many suggestions it drafted (an int), which the person is told.
"""

from __future__ import annotations

from django.dispatch import Signal

part_screened = Signal()
run_screened = Signal()
child_screened = Signal()
