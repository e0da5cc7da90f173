from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "shouhu.custody"
    label = "custody"
    verbose_name = "拘留、服刑人员子女照料通知"
