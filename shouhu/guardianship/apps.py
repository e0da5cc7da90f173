from django.apps import AppConfig


class GuardianshipConfig(AppConfig):
    name = "shouhu.guardianship"
    label = "guardianship"
    verbose_name = "监护干预"
