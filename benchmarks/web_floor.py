"""The floor of the web benchmark (benchmarks/web_load.py): a bare Django view returning 50 rows
as JSON, served by the same gunicorn, middleware and database as the product's pages.

This module is both the settings module and the urlconf of the benchmark's server
(`DJANGO_SETTINGS_MODULE=benchmarks.web_floor`): the product's settings and URLs unchanged,
plus `/bench/floor/?ids=1,2,…` — so the product itself never ships the floor view.

The view does what any page listing those children must do at least: one query for the 50 rows
(by primary key, no scope, no count, no template) and a JSON response.
"""

from __future__ import annotations

from typing import Any

from shouhu.settings import *  # noqa: F403  (the product's settings, unchanged)

ROOT_URLCONF = "benchmarks.web_floor"


def floor(request: Any) -> Any:
    from django.http import JsonResponse

    from shouhu.registry.models import Child

    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.isdigit()][:50]
    rows = list(
        Child.objects.filter(pk__in=ids)
        .order_by("region_code", "name_pinyin", "id")
        .values("id", "name", "sex", "birth_date", "id_number_masked", "region_code", "region__name")
    )
    return JsonResponse({"rows": rows})


def __getattr__(name: str) -> Any:
    """`urlpatterns`, built on first use: as a settings module this file is imported before the
    apps are ready, and `include()` imports the product's urlconf at once."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import include, path

    patterns = [
        path("bench/floor/", floor),  # public: no session, no scope (the floor does the least work)
        path("", include("shouhu.urls")),
    ]
    globals()["urlpatterns"] = patterns
    return patterns
