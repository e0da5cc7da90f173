"""Every write in custody, one module per concern: `notices` (recording a notice and acting on it),
`release` (the actual release ends the parent's status), `reminders` (the township reminded once a
month before a release), `reads` (audit rows for reads). Keyword-only, atomic, audited in the same
transaction. Callers import from this package."""

from .notices import MAX_CHILDREN, ChildInput, NoticeInput, notice_record
from .reads import notice_viewed, notices_listed
from .release import NoticeChangedError, release_record, restored_fact
from .reminders import due_children, remind_releases

__all__ = [
    "MAX_CHILDREN",
    "ChildInput",
    "NoticeChangedError",
    "NoticeInput",
    "due_children",
    "notice_record",
    "notice_viewed",
    "notices_listed",
    "release_record",
    "remind_releases",
    "restored_fact",
]
