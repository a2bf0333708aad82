"""Warehouse pages: upload, htmx preview partial, downloads and publishing (see the contracts)."""

from django.urls import path

from satudata.warehouse import job_views, version_views, views
from satudata.warehouse.validation import views as report_views

app_name = "warehouse"
urlpatterns = [
    path("dataset/<slug:slug>/unggah", job_views.upload, name="upload"),
    path("dataset/<slug:slug>/unggahan", job_views.job_list, name="jobs"),
    path("dataset/<slug:slug>/unggahan/<int:job_id>", job_views.job_status, name="job"),
    path("dataset/<slug:slug>/unggahan/<int:job_id>/ulang", job_views.job_retry, name="job_retry"),
    path(
        "dataset/<slug:slug>/versi/<int:number>/skema",
        job_views.schema_edit,
        name="schema_edit",
    ),
    path(
        "dataset/<slug:slug>/versi/<int:number>/skema.json",
        job_views.schema_download,
        name="schema_download",
    ),
    path(
        "dataset/<slug:slug>/versi/<int:number>/skema/impor",
        job_views.schema_import,
        name="schema_import",
    ),
    path("dataset/<slug:slug>/data", views.preview, name="preview"),
    path("dataset/<slug:slug>/unduh.<str:fmt>", views.download, name="download"),
    path(
        "dataset/<slug:slug>/versi/<int:number>/unduh.<str:fmt>",
        views.version_download,
        name="version_download",
    ),
    path("dataset/<slug:slug>/versi/<int:number>/terbitkan", views.publish, name="publish"),
    # Validation report (warehouse/validation/views.py).
    path("dataset/<slug:slug>/versi/<int:number>/laporan", report_views.report, name="report"),
    path(
        "dataset/<slug:slug>/versi/<int:number>/laporan.json",
        report_views.report_json,
        name="report_json",
    ),
    path(
        "dataset/<slug:slug>/versi/<int:number>/laporan/baris.<str:fmt>",
        report_views.report_rows,
        name="report_rows",
    ),
    path(
        "dataset/<slug:slug>/versi/<int:number>/laporan/akui",
        report_views.acknowledge,
        name="acknowledge_warnings",
    ),
    path("dataset/<slug:slug>/data/statistik", version_views.data_stats, name="data_stats"),
    path(
        "dataset/<slug:slug>/versi/banding", version_views.version_compare, name="version_compare"
    ),
    path(
        "dataset/<slug:slug>/versi/<int:number>/pulihkan",
        version_views.version_restore,
        name="version_restore",
    ),
]
