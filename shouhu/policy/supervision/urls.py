"""Supervision (督办) URLs, under /policy/supervision/ in the "policy" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.supervision, name="supervision"),
    path("mine/", views.supervision_mine, name="supervision_mine"),
    path("queue/", views.supervision_queue, name="supervision_queue"),
    path("frequency/", views.supervision_frequency, name="supervision_frequency"),
    path("report/<int:task_id>/<int:department_id>/", views.supervision_report, name="supervision_report"),
    path("reports/<int:report_id>/", views.supervision_report_detail, name="supervision_report_detail"),
    path("reports/<int:report_id>/review/", views.supervision_review, name="supervision_review"),
    path("evidence/<int:evidence_id>/", views.supervision_evidence, name="supervision_evidence"),
    path("export/county/", views.supervision_export_county, name="supervision_export_county"),
    path(
        "export/department/<int:department_id>/",
        views.supervision_export_department,
        name="supervision_export_department",
    ),
]
