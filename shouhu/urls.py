from django.contrib import admin
from django.urls import include, path

from shouhu.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("shouhu.web.urls")),
]
