from django.urls import path

from . import views_explore as views

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("tasks/<int:number>/", views.task_detail, name="task_detail"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix.xlsx", views.matrix_xlsx, name="matrix_xlsx"),
    path("townships/<str:code>/", views.township, name="township"),
    path("reorganisations/", views.reorganisations, name="reorganisations"),
    path("reorganisations/new/<str:kind>/", views.reorganisation_new, name="reorganisation_new"),
    path("reorganisations/<int:reorganisation_id>/date/", views.reorganisation_correct, name="reorganisation_correct"),
    path("reorganisations/units/<int:department_id>/", views.department_history, name="department_history"),
]
