from django.urls import path

from . import views_review

urlpatterns = [
    path("", views_review.duplicate_list, name="duplicates"),
    path("<int:candidate_id>/merge/", views_review.duplicate_merge_view, name="duplicate_merge"),
    path("<int:candidate_id>/dismiss/", views_review.duplicate_dismiss_view, name="duplicate_dismiss"),
]
