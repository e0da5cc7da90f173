"""Casework URLs: the window's intake at /intake/ (namespace "intake") and referrals at
/referrals/ (namespace "referrals"; notifications link to /referrals/<id>/)."""

from django.urls import path

from . import views

intake_patterns = (
    [
        path("", views.intake_list, name="list"),
        path("new/", views.intake_new, name="new"),
        path("suggestions/", views.suggestion_list, name="suggestions"),
        path("<int:intake_id>/", views.intake_detail, name="detail"),
        path("<int:intake_id>/receipt/", views.intake_receipt, name="receipt"),
        path("<int:intake_id>/confirm/", views.intake_confirm, name="confirm"),
        path("<int:intake_id>/cancel/", views.intake_cancel, name="cancel"),
    ],
    "intake",
)

referral_patterns = (
    [
        path("", views.inbox, name="inbox"),
        path("bulk-accept/", views.bulk_accept, name="bulk_accept"),
        path("filters/", views.filter_save, name="filter_save"),
        path("filters/<int:filter_id>/delete/", views.filter_delete, name="filter_delete"),
        path("supervision/", views.supervision, name="supervision"),
        path("routing/", views.routing, name="routing"),
        path("calendar/", views.calendar, name="calendar"),
        path("calendar/<int:day_id>/delete/", views.calendar_day_delete, name="calendar_delete"),
        path("calendar/deadlines/", views.deadline_set, name="deadline_set"),
        path("children/<int:child_id>/timeline/", views.child_timeline, name="timeline"),
        path("<int:referral_id>/", views.referral_detail, name="detail"),
        path("<int:referral_id>/act/<slug:action>/", views.referral_act, name="act"),
        path("<int:referral_id>/reassign/", views.referral_reassign, name="reassign"),
        path("<int:referral_id>/transfer/", views.referral_transfer, name="transfer"),
        path("<int:referral_id>/cooperate/", views.referral_cooperate, name="cooperate"),
        path("<int:referral_id>/resubmit/", views.referral_resubmit, name="resubmit"),
    ],
    "referrals",
)
