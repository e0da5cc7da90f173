from django.urls import path

from . import views

users = (
    [
        path("", views.user_list, name="list"),
        path("new/", views.user_create, name="create"),
        path("<int:user_id>/", views.user_edit, name="edit"),
        path("<int:user_id>/active/", views.user_set_active, name="set_active"),
        path("<int:user_id>/password/", views.user_set_password, name="set_password"),
        path("api-tokens/", views.api_token_list, name="api_tokens"),
        path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    ],
    "users",
)

account = (
    [
        path("api-tokens/", views.my_api_tokens, name="api_tokens"),
        path("api-tokens/<int:token_id>/revoke/", views.my_api_token_revoke, name="api_token_revoke"),
    ],
    "account",
)

departments = (
    [
        path("", views.department_list, name="list"),
        path("<int:department_id>/", views.department_detail, name="detail"),
        path("<int:department_id>/edit/", views.department_edit, name="edit"),
    ],
    "departments",
)

audit = (
    [
        path("", views.audit_list, name="list"),
    ],
    "audit",
)
