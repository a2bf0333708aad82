"""Warehouse pages: upload, htmx preview partial, downloads and publishing (see the contracts)."""

from django.urls import path

from satudata.warehouse import version_views, views

app_name = "warehouse"
urlpatterns = [
    path("dataset/<slug:slug>/unggah", views.upload, name="upload"),
    path("dataset/<slug:slug>/data", views.preview, name="preview"),
    path("dataset/<slug:slug>/unduh.<str:fmt>", views.download, name="download"),
    path(
        "dataset/<slug:slug>/versi/<int:number>/unduh.<str:fmt>",
        views.version_download,
        name="version_download",
    ),
    path("dataset/<slug:slug>/versi/<int:number>/terbitkan", views.publish, name="publish"),
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
