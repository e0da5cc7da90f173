from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "shouhu.placements"
    label = "placements"
    verbose_name = "安置与爱心家庭"
