from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shouhu.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from . import checks, signals  # noqa: F401  (deploy checks, login audit receivers)

        # Registers every app's @periodic jobs.
        autodiscover_modules("tasks")
