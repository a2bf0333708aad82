"""Warehouse pages: upload, htmx preview partial, downloads and publishing (see the contracts)."""

from django.urls import path

from satudata.warehouse import views

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
]
