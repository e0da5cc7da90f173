from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "shouhu.policy"
    label = "policy"
    verbose_name = "任务分工与督办"
