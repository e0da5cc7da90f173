"""The task list, one task, the matrix and a township's tasks, under /policy/ in the "policy" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("tasks/<int:number>/", views.task_detail, name="task_detail"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix.xlsx", views.matrix_xlsx, name="matrix_xlsx"),
    path("townships/<str:code>/", views.township, name="township"),
]
