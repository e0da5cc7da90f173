"""What the policy app adds to shared pages (home panels, department page, demo data).
Each module registers itself on import; see shouhu.web.home, shouhu.accounts.department_page
and shouhu.core.demo."""

from . import contrib_explore, contrib_import, contrib_supervision  # noqa: F401
