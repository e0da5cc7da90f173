from django.urls import include, path

app_name = "registry"
urlpatterns = [
    path("io/", include("shouhu.registry.urls_io")),
    path("duplicates/", include("shouhu.registry.urls_review")),
]
