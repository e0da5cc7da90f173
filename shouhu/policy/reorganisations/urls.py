"""Reorganisations (机构改革) URLs, under /policy/reorganisations/ in the "policy" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.reorganisations, name="reorganisations"),
    path("new/<str:kind>/", views.reorganisation_new, name="reorganisation_new"),
    path("<int:reorganisation_id>/date/", views.reorganisation_correct, name="reorganisation_correct"),
    path("units/<int:department_id>/", views.department_history, name="department_history"),
]
