from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "shouhu.eligibility"
    label = "eligibility"
    verbose_name = "资格认定"

    def ready(self) -> None:
        # The home-page panel and the demo screening this app contributes.
        from . import contrib  # noqa: F401
