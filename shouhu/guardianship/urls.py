from django.urls import path

from . import views

app_name = "guardianship"

urlpatterns = [
    path("", views.intervention_list, name="list"),
    path("start/<int:case_id>/", views.intervention_start, name="start"),
    path("<int:intervention_id>/<str:action>/", views.step_take, name="step"),
    path("documents/<int:document_id>/", views.document_download, name="document"),
]
