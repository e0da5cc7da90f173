"""Casework URLs: the window's intake at /intake/ (namespace "intake") and referrals at
/referrals/ (namespace "referrals"; notifications link to /referrals/<id>/)."""

from django.urls import path

from .views import administration, children, intake, referrals, timeline

intake_patterns = (
    [
        path("", intake.intake_list, name="list"),
        path("new/", intake.intake_new, name="new"),
        path("suggestions/", intake.suggestion_list, name="suggestions"),
        path("<int:intake_id>/", intake.intake_detail, name="detail"),
        path("<int:intake_id>/receipt/", intake.intake_receipt, name="receipt"),
        path("<int:intake_id>/confirm/", intake.intake_confirm, name="confirm"),
        path("<int:intake_id>/cancel/", intake.intake_cancel, name="cancel"),
    ],
    "intake",
)

referral_patterns = (
    [
        path("", referrals.inbox, name="inbox"),
        path("bulk-accept/", referrals.bulk_accept, name="bulk_accept"),
        path("filters/", referrals.filter_save, name="filter_save"),
        path("filters/<int:filter_id>/delete/", referrals.filter_delete, name="filter_delete"),
        path("supervision/", administration.supervision, name="supervision"),
        path("routing/", administration.routing, name="routing"),
        path("calendar/", administration.calendar, name="calendar"),
        path("calendar/<int:day_id>/delete/", administration.calendar_day_delete, name="calendar_delete"),
        path("calendar/deadlines/", administration.deadline_set, name="deadline_set"),
        path("outcome-kinds/", administration.outcome_kinds, name="outcome_kinds"),
        path("children/", children.children_referrals, name="children"),
        path("children/<int:child_id>/", children.children_referrals, name="child"),
        path("children/<int:child_id>/timeline/", timeline.child_timeline, name="timeline"),
        path("<int:referral_id>/", referrals.referral_detail, name="detail"),
        path("<int:referral_id>/act/<slug:action>/", referrals.referral_act, name="act"),
        path("<int:referral_id>/reassign/", referrals.referral_reassign, name="reassign"),
        path("<int:referral_id>/transfer/", referrals.referral_transfer, name="transfer"),
        path("<int:referral_id>/cooperate/", referrals.referral_cooperate, name="cooperate"),
        path("<int:referral_id>/resubmit/", referrals.referral_resubmit, name="resubmit"),
    ],
    "referrals",
)
