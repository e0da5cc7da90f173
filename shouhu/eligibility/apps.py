from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "shouhu.eligibility"
    label = "eligibility"
    verbose_name = "资格认定"
