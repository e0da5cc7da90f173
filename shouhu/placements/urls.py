from django.urls import path

from .views import children, families

app_name = "placements"

urlpatterns = [
    path("families/", families.family_list, name="families"),
    path("families/new/", families.family_new, name="family_new"),
    path("families/<int:family_id>/", families.family_detail, name="family"),
    path("families/<int:family_id>/training/", families.family_training, name="family_training"),
    path("families/<int:family_id>/review/", families.family_review, name="family_review"),
    path("families/<int:family_id>/<str:action>/", families.family_act, name="family_act"),
    path("children/<int:child_id>/", children.child, name="child"),
    path("children/<int:child_id>/new/", children.placement_new, name="placement_new"),
    path("children/<int:child_id>/match/", children.match, name="match"),
    path("children/<int:child_id>/adoptive-assessment/", children.adoptive_assessment_new, name="adoptive_assessment"),
    path("<int:placement_id>/end/", children.placement_end, name="end"),
    path("cases/<int:case_id>/temporary-care/", children.temporary_care, name="temporary_care"),
]
