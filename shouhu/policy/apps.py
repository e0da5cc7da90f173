from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "shouhu.policy"
    label = "policy"
    verbose_name = "任务分工与督办"

    def ready(self) -> None:
        # Home-page panels, department-page sections and demo loaders this app contributes.
        from . import contributions  # noqa: F401
