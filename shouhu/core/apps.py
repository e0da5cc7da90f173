from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shouhu.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Every app's checks, receivers, tasks, panels and demo loaders (core/plugins.py).
        from .plugins import discover

        discover()
