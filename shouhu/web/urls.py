from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from shouhu.access import mark_public
from shouhu.accounts import urls as accounts_urls
from shouhu.casework import urls as casework_urls

from .views import home, notification_list, notifications_mark_read

urlpatterns = [
    path("", home, name="home"),
    path("notifications/", notification_list, name="notifications"),
    path("notifications/read/", notifications_mark_read, name="notifications_read"),
    path("login/", mark_public(auth_views.LoginView.as_view()), name="login"),
    path("logout/", mark_public(auth_views.LogoutView.as_view()), name="logout"),
    path("i18n/setlang/", mark_public(set_language), name="set_language"),
    path("regions/", include("shouhu.regions.urls")),
    path("users/", include(accounts_urls.users)),
    path("departments/", include(accounts_urls.departments)),
    path("audit/", include(accounts_urls.audit)),
    path("policy/", include("shouhu.policy.urls")),
    path("children/", include("shouhu.registry.urls")),
    path("intake/", include(casework_urls.intake_patterns)),
    path("referrals/", include(casework_urls.referral_patterns)),
    path("eligibility/", include("shouhu.eligibility.urls")),
]
