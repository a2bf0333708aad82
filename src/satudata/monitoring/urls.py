from django.urls import path

from satudata.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("daftar-data/", views.daftar_list, name="daftar_list"),
    path("daftar-data/templat.xlsx", views.template_download, name="template"),
    path("daftar-data/impor", views.daftar_import, name="import"),
    path("daftar-data/baru", views.daftar_create, name="daftar_create"),
    path("daftar-data/janji/<int:pk>/ubah", views.promise_edit, name="promise_edit"),
    path("daftar-data/janji/<int:pk>/hapus", views.promise_delete, name="promise_delete"),
    path("daftar-data/<int:year>/<slug:slug>/", views.daftar_detail, name="daftar_detail"),
    path("monitoring/", views.dashboard, name="dashboard"),
    path("monitoring/skor.xlsx", views.scorecard_xlsx, name="scorecard_xlsx"),
    path("monitoring/skor.pdf", views.scorecard_pdf, name="scorecard_pdf"),
    path("monitoring/<slug:slug>/", views.agency_detail, name="agency"),
]
