from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("", views.region_list, name="list"),
    path("import/", views.region_import, name="import"),
    path("<str:code>/", views.region_detail, name="detail"),
    path("<str:code>/add/", views.region_add_child, name="add_child"),
    path("<str:code>/rename/", views.region_rename, name="rename"),
]
