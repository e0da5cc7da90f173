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
    # Before `case_act`: a step with its own form has its own address.
    path("cases/<int:case_id>/assessments/", views.case_assess, name="case_assess"),
    path("cases/<int:case_id>/reviews/", views.case_review, name="case_review"),
    path("cases/<int:case_id>/plan/actions/", views.plan_action_add, name="plan_action_add"),
    path("cases/<int:case_id>/child/link/", views.child_link, name="child_link"),
    path("cases/<int:case_id>/child/register/", views.child_register, name="child_register"),
    path("cases/<int:case_id>/<str:action>/", views.case_act, name="case_act"),
    path("clocks/", views.clocks, name="clocks"),
    path("clocks/set/", views.clock_set, name="clock_set"),
]
