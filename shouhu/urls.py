"""The whole URL map: each app's URLs under its prefix (namespaces in each app's urls.py)."""

from django.contrib import admin
from django.urls import include, path

from shouhu.accounts import urls as accounts_urls
from shouhu.api.urls import api
from shouhu.casework import urls as casework_urls

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("shouhu.web.urls")),  # home, sign-in, notifications, language
    path("regions/", include("shouhu.regions.urls")),
    path("users/", include(accounts_urls.users)),
    path("account/", include(accounts_urls.account)),
    path("departments/", include(accounts_urls.departments)),
    path("audit/", include(accounts_urls.audit)),
    path("policy/", include("shouhu.policy.urls")),
    path("children/", include("shouhu.registry.urls")),
    path("intake/", include(casework_urls.intake_patterns)),
    path("referrals/", include(casework_urls.referral_patterns)),
    path("eligibility/", include("shouhu.eligibility.urls")),
    path("safety/", include("shouhu.safeguarding.urls")),
    path("placements/", include("shouhu.placements.urls")),
    path("guardianship/", include("shouhu.guardianship.urls")),
    path("custody/", include("shouhu.custody.urls")),
]

# Error pages in Chinese with the navigation and a way back (shouhu/web/errors.py); 500 is the
# static templates/500.html, rendered by Django's own handler.
handler400 = "shouhu.web.errors.bad_request"
handler403 = "shouhu.web.errors.permission_denied"
handler404 = "shouhu.web.errors.page_not_found"
