from django.urls import path

from . import views

app_name = "eligibility"
urlpatterns = [
    path("", views.run_list, name="runs"),
    path("runs/new/", views.run_start, name="run_start"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/progress/", views.run_progress, name="run_progress"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<str:code>/", views.rule_detail, name="rule"),
    path("rules/<str:code>/edit/", views.rule_edit, name="rule_edit"),
    path("parameters/", views.parameter_list, name="parameters"),
    path("parameters/<str:name>/edit/", views.parameter_edit, name="parameter_edit"),
    path("counts/", views.counts, name="counts"),
    path("counts/export.xlsx", views.counts_export, name="counts_export"),
    path("counts/children/", views.counts_list, name="counts_list"),
    path("counts/children/export.xlsx", views.counts_list_export, name="counts_list_export"),
    path("children/<int:child_id>/", views.child_eligibility, name="child"),
    path("pending/", views.pending_list, name="pending"),
]
