from django.urls import path

from . import views

app_name = "custody"

urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/release/", views.notice_release, name="notice_release"),
]
