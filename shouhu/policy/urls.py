"""Policy URLs, one module per part of the app (each in its subpackage)."""

from django.urls import include, path

app_name = "policy"
urlpatterns = [
    path("", include("shouhu.policy.explore.urls")),
    path("reorganisations/", include("shouhu.policy.reorganisations.urls")),
    path("duties/", include("shouhu.policy.duties.urls")),
    path("import/", include("shouhu.policy.importing.urls")),
    path("supervision/", include("shouhu.policy.supervision.urls")),
]
