"""Workflow pages: the review queue and review pages (/tinjauan/), notifications (/notifikasi/)
and the audit trail viewer (/audit/)."""

from django.urls import path

from satudata.workflow import audit_views, notification_views, views

app_name = "workflow"
REVIEW = "tinjauan/<slug:slug>/<int:number>"
urlpatterns = [
    path("tinjauan/", views.queue, name="queue"),
    path(REVIEW, views.review, name="review"),
    path(f"{REVIEW}/ajukan", views.transition, {"action": "submit"}, name="submit"),
    path(f"{REVIEW}/verifikasi", views.transition, {"action": "verify"}, name="verify"),
    path(f"{REVIEW}/kembalikan", views.transition, {"action": "return"}, name="return"),
    path(f"{REVIEW}/terbitkan", views.transition, {"action": "publish"}, name="publish"),
    path(f"{REVIEW}/tarik", views.transition, {"action": "withdraw"}, name="withdraw"),
    path(f"{REVIEW}/komentar", views.comment, name="comment"),
    path(f"{REVIEW}/alur", views.choose_flow, name="choose_flow"),
    path("notifikasi/", notification_views.notification_list, name="notifications"),
    path("notifikasi/baca", notification_views.mark_read, name="mark_read"),
    path("notifikasi/<int:pk>/buka", notification_views.open_notification, name="open"),
    path("notifikasi/pengaturan", notification_views.preferences, name="preferences"),
    path("audit/", audit_views.audit_list, name="audit"),
    path("audit/unduh.csv", audit_views.audit_export, name="audit_export"),
]
