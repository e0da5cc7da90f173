from django.urls import path

from . import views
from .signin import views as signin_views

users = (
    [
        path("", views.user_list, name="list"),
        path("new/", views.user_create, name="create"),
        path("<int:user_id>/", views.user_edit, name="edit"),
        path("<int:user_id>/active/", views.user_set_active, name="set_active"),
        path("<int:user_id>/password/", views.user_set_password, name="set_password"),
        path("<int:user_id>/two-factor/reset/", views.two_factor_reset, name="two_factor_reset"),
        path("two-factor/", views.two_factor_roles, name="two_factor_roles"),
        path("locks/<int:lock_id>/lift/", views.signin_lock_lift, name="lift_lock"),
        path("api-tokens/", views.api_token_list, name="api_tokens"),
        path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    ],
    "users",
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

# A user's own account: password, two-factor sign-in, their API tokens.
account = (
    [
        path("api-tokens/", views.my_api_tokens, name="api_tokens"),
        path("api-tokens/<int:token_id>/revoke/", views.my_api_token_revoke, name="api_token_revoke"),
        path("password/", signin_views.password_change, name="password"),
        path("two-factor/", signin_views.two_factor_overview, name="two_factor"),
        path("two-factor/enrol/", signin_views.two_factor_enrol, name="two_factor_enrol"),
        path("two-factor/recovery-codes/", signin_views.recovery_codes_renew, name="recovery_codes"),
    ],
    "account",
)
