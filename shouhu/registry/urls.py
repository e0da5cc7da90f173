from django.urls import include, path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.child_list, name="list"),
    path("new/", views.child_create, name="create"),
    path("<int:child_id>/", views.child_detail, name="detail"),
    path("<int:child_id>/change/", views.child_change, name="change"),
    path("<int:child_id>/correct/<int:circumstance_id>/", views.circumstance_correct, name="correct"),
    path("<int:child_id>/close/", views.child_close, name="close"),
    path("<int:child_id>/reopen/", views.child_reopen, name="reopen"),
    path("<int:child_id>/reveal/", views.child_reveal, name="reveal"),
    path("<int:child_id>/documents/new/", views.document_upload, name="document_upload"),
    path("<int:child_id>/documents/<int:document_id>/", views.document_download, name="document_download"),
    path("io/", include("shouhu.registry.urls_io")),
    path("duplicates/", include("shouhu.registry.urls_review")),
]
