from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "shouhu.safeguarding"
    label = "safeguarding"
    verbose_name = "儿童安全与强制报告"
