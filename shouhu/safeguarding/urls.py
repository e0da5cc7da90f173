from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("report/", views.report_new, name="report_new"),
    path("reports/", views.my_reports, name="my_reports"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("reports/<int:report_id>/supplement/", views.report_supplement, name="report_supplement"),
    path(
        "reports/<int:report_id>/questions/<int:question_id>/answer/",
        views.question_answer,
        name="question_answer",
    ),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    # Before case_act, whose <action> would take "ask".
    path("cases/<int:case_id>/ask/", views.case_ask, name="case_ask"),
    path("cases/<int:case_id>/<str:action>/", views.case_act, name="case_act"),
    path("clocks/", views.clocks, name="clocks"),
    path("clocks/set/", views.clock_set, name="clock_set"),
]
