from django.urls import path, re_path

from satudata.reports import views

app_name = "reports"

# Period keys: 2026-10 (month), 2026-T3 (quarter), 2025 (year), 2026-11-23 (by hand).
PERIOD = r"(?P<period>\d{4}(?:-T[1-4]|-\d{2}(?:-\d{2})?)?)"

urlpatterns = [
    path("laporan/", views.report_list, name="list"),
    path("laporan/baru", views.report_create, name="create"),
    path("laporan/langganan/<str:token>/konfirmasi", views.subscription_confirm, name="confirm"),
    path("laporan/langganan/<str:token>/berhenti", views.subscription_cancel, name="unsubscribe"),
    path("laporan/<slug:slug>/", views.report_detail, name="detail"),
    path("laporan/<slug:slug>/ubah", views.report_edit, name="edit"),
    path("laporan/<slug:slug>/langganan", views.subscribe, name="subscribe"),
    path("laporan/<slug:slug>/terbitkan", views.report_generate, name="generate"),
    path("laporan/<slug:slug>/pratinjau.pdf", views.report_preview, name="preview"),
    path("laporan/<slug:slug>/bagian/baru", views.section_edit, name="section_add"),
    path("laporan/<slug:slug>/bagian/<int:pk>/ubah", views.section_edit, name="section_edit"),
    path("laporan/<slug:slug>/bagian/<int:pk>/hapus", views.section_delete, name="section_delete"),
    path("laporan/<slug:slug>/bagian/<int:pk>/geser", views.section_move, name="section_move"),
    re_path(
        r"^laporan/(?P<slug>[-a-z0-9]+)/" + PERIOD + r"\.(?P<fmt>pdf|xlsx)$",
        views.edition_download,
        name="download",
    ),
]
