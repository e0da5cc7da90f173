"""The registry's URLs under /children/ (namespace "registry"): children, rosters in and out
(io/), potential duplicates (duplicates/), moving between townships (transfers/)."""

from django.urls import include, path

from .views import children, duplicates, rosters, transfers

rosters_patterns = [
    path("import/", rosters.import_upload, name="import"),
    path("import/template.xlsx", rosters.import_template, name="import_template"),
    path("import/<int:run_id>/", rosters.import_run, name="import_run"),
    path("import/<int:run_id>/progress/", rosters.import_progress, name="import_progress"),
    path("import/<int:run_id>/confirm/", rosters.import_confirm, name="import_confirm"),
    path("import/<int:run_id>/cancel/", rosters.import_cancel, name="import_cancel"),
    path("import/<int:run_id>/errors.xlsx", rosters.import_errors, name="import_errors"),
    path("export/", rosters.export, name="export"),
]

duplicates_patterns = [
    path("", duplicates.duplicate_list, name="duplicates"),
    path("<int:candidate_id>/merge/", duplicates.duplicate_merge_view, name="duplicate_merge"),
    path("<int:candidate_id>/dismiss/", duplicates.duplicate_dismiss_view, name="duplicate_dismiss"),
]

transfers_patterns = [
    path("", transfers.transfer_list, name="transfers"),
    path("new/", transfers.transfer_request, name="transfer_request"),
    path("<int:transfer_id>/", transfers.transfer_detail, name="transfer_detail"),
    path("<int:transfer_id>/decide/", transfers.transfer_decide, name="transfer_decide"),
]

app_name = "registry"
urlpatterns = [
    path("", children.child_list, name="list"),
    path("new/", children.child_create, name="create"),
    path("<int:child_id>/", children.child_detail, name="detail"),
    path("<int:child_id>/change/", children.child_change, name="change"),
    path("<int:child_id>/correct/<int:circumstance_id>/", children.circumstance_correct, name="correct"),
    path("<int:child_id>/close/", children.child_close, name="close"),
    path("<int:child_id>/reopen/", children.child_reopen, name="reopen"),
    path("<int:child_id>/reveal/", children.child_reveal, name="reveal"),
    path("<int:child_id>/documents/new/", children.document_upload, name="document_upload"),
    path("<int:child_id>/documents/<int:document_id>/", children.document_download, name="document_download"),
    path("io/", include(rosters_patterns)),
    path("duplicates/", include(duplicates_patterns)),
    path("transfers/", include(transfers_patterns)),
]
