"""Policy URLs, split by concern so each module stays small."""

from django.urls import include, path

app_name = "policy"
urlpatterns = [
    path("", include("shouhu.policy.urls_explore")),
    path("import/", include("shouhu.policy.urls_import")),
    path("supervision/", include("shouhu.policy.urls_supervision")),
]
