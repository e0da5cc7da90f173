"""Django admin is for rare configuration by a superuser; day-to-day screens are the product's own."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, Department, User


@admin.register(User)
class ShouhuUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "region", "department", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "守护",
            {"fields": ("full_name", "role", "region", "department", "organisation", "organisation_kind", "phone")},
        ),
    )  # type: ignore[misc]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "official_name", "kind", "dissolved_on")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "user", "issued_by", "expires_on", "last_used_at", "revoked_at")
    readonly_fields = ("key_prefix", "key_hash")

    # Issued by their owners ("我的API令牌") or `shouhu tokens issue`, revoked on the product's
    # pages (audited): here they are only read, so no one hands a token to another account.
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
