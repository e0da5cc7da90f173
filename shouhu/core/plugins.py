"""How an app plugs into the shared parts of the product: modules with these names, found in every
installed app (in INSTALLED_APPS order) by Django's `autodiscover_modules` when the apps are ready.

- `checks.py`: deploy and system checks (`django.core.checks.register`);
- `receivers.py`: signal receivers, other apps' signals included (casework drafts suggestions
  when eligibility says a screening part is done) (`@receiver`, `Signal.connect`);
- `tasks.py`: background tasks and periodic jobs (`@task()`, `@periodic(every=…)` in
  core/periodic.py);
- `panels.py`: home-page panels (`@home_contributor`, web/home.py) and department-page sections
  (`@department_section`, accounts/department_page.py);
- `demo.py`: demo data for `shouhu demo load`, run in app order (`@demo_loader`, core/demo.py).

An app imports nothing in `AppConfig.ready()`: adding one of these modules is all it takes.
"""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules

PLUGIN_MODULES = ("checks", "receivers", "tasks", "panels", "demo")


def discover() -> None:
    autodiscover_modules(*PLUGIN_MODULES)
