"""Rosters in and out, under /children/io/ (namespace "registry")."""

from django.urls import path

from . import views_io

urlpatterns = [
    path("import/", views_io.import_upload, name="import"),
    path("import/template.xlsx", views_io.import_template, name="import_template"),
    path("import/<int:run_id>/", views_io.import_run, name="import_run"),
    path("import/<int:run_id>/progress/", views_io.import_progress, name="import_progress"),
    path("import/<int:run_id>/confirm/", views_io.import_confirm, name="import_confirm"),
    path("import/<int:run_id>/cancel/", views_io.import_cancel, name="import_cancel"),
    path("import/<int:run_id>/errors.xlsx", views_io.import_errors, name="import_errors"),
    path("export/", views_io.export, name="export"),
]
