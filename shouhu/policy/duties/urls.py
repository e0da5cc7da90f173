"""The duty map pages, under /policy/duties/ in the "policy" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.duty_list, name="duties"),
    path("<str:code>/", views.duty_measure_history, name="duty_history"),
    path("<str:code>/edit/", views.duty_edit, name="duty_edit"),
]
