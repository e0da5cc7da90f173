"""/policy/import/: upload → preview → confirm; versions and their JSON / Excel exports."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.policy_import, name="import"),
    path("preview/", views.policy_import_preview_page, name="import_preview"),
    path("versions/", views.policy_import_versions, name="import_versions"),
    re_path(
        r"^versions/(?P<pk>[0-9]+)/export\.(?P<fmt>json|xlsx)$",
        views.policy_import_export,
        name="import_export",
    ),
]
