"""Roster import runs: only the user who uploaded a file sees its run or acts on it (the files
hold children's data, and a preview lists them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from shouhu.accounts.models import User

if TYPE_CHECKING:
    from shouhu.registry.models import ImportRun


def import_runs_visible_to(user: User) -> QuerySet[ImportRun]:
    """A user's own import runs: nobody else sees them."""
    from shouhu.registry.models import ImportRun

    return ImportRun.objects.filter(created_by=user)


def access_import_run(user: User, run_id: int) -> ImportRun:
    """One of the user's own import runs (404 otherwise)."""
    from shouhu.registry.models import ImportRun

    try:
        return import_runs_visible_to(user).get(pk=run_id)
    except ImportRun.DoesNotExist:
        raise Http404("导入记录不存在") from None


def may_handle_import_run(user: User, run: ImportRun) -> bool:
    """Confirming or cancelling an import is for the user who uploaded the file."""
    return run.created_by_id == user.pk
