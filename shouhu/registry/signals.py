"""What the registry tells other apps, without knowing who listens (eligibility screens the child
at once, in eligibility/receivers.py). The registry imports no app that builds on it.

- `child_facts_changed(sender=Child, child=…, actor=…)`: a person registered one child, recorded a
  change of its circumstances or corrected one of them, through the forms or the API — the
  services called with `announce=True`. Never sent for imports, the generator or the bulk path
  (their callers leave `announce` off): a county-wide import is screened by the next run, not
  child by child.

  Sent inside the service's transaction, after its writes and its audit row, so a receiver's writes
  commit or roll back with the change: no change is committed whose consequences were lost, none
  rolled back (the change page's preview) leaves any behind, and what followed is known before the
  response is made. Each receiver returns a line for the person who made the change (a `str`), or
  None; the service keeps them on the child as `child.follow_ups`, and the registry's pages show
  them on the page the person lands on. A receiver handles its own failures (in its own savepoint):
  a change is never refused because something that follows from it failed.
- `child_moved(sender=Child, child=…, before=…, after=…, actor=…)`: a transfer between townships
  was confirmed (`transfers.transfer_decide`); `before` and `after` are the old and the new village
  (`Region`s). Sent inside the confirmation's transaction, after the child's new residence is
  written: casework re-routes the child's open referrals and waiting suggestions to the new
  township's window (casework/receivers.py). Each receiver returns a line for the confirmation's
  audit detail and the person who confirmed (a `str`), or None.
"""

from __future__ import annotations

from django.dispatch import Signal

child_facts_changed = Signal()
child_moved = Signal()
