from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "shouhu.casework"
    label = "casework"
    verbose_name = "受理与转介"
