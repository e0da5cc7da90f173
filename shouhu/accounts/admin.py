"""Django admin is for rare configuration by a superuser; day-to-day screens are the product's own."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, Department, User


@admin.register(User)
class ShouhuUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "region", "department", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("守护", {"fields": ("full_name", "role", "region", "department", "organisation", "phone")}),
    )  # type: ignore[misc]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "official_name", "kind", "dissolved_on")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "user", "last_used_at", "revoked_at")
    readonly_fields = ("key_prefix", "key_hash")
