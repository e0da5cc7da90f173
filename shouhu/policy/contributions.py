"""What the policy app adds to shared pages (home panels, department page, demo data).
Each part registers itself on import; see shouhu.web.home, shouhu.accounts.department_page
and shouhu.core.demo."""
