"""The web app's own pages: home, sign-in and out, notifications, the language switch."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from shouhu.access import mark_public
from shouhu.accounts.signin import views as signin

from .views import home, notification_list, notifications_mark_read

urlpatterns = [
    path("", home, name="home"),
    path("notifications/", notification_list, name="notifications"),
    path("notifications/read/", notifications_mark_read, name="notifications_read"),
    path("login/", mark_public(signin.login), name="login"),
    path("login/code/", mark_public(signin.login_code), name="login_code"),
    path("logout/", mark_public(auth_views.LogoutView.as_view()), name="logout"),
    path("i18n/setlang/", mark_public(set_language), name="set_language"),
]
