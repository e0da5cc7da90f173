from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shouhu.web"
    label = "web"
    verbose_name = "界面"

    def ready(self) -> None:
        from . import caching, contrib  # noqa: F401  (request memo signals; the demo loader)
