from django.urls import path

from satudata.connectors import sample_api, views

app_name = "connectors"
urlpatterns = [
    path("konektor/", views.connector_list, name="list"),
    path("konektor/kesehatan/", views.health, name="health"),
    path("konektor/contoh-api/kunjungan/", sample_api.sample_kunjungan, name="sample_api"),
    path("konektor/baru/<slug:type_key>/", views.connector_create, name="create"),
    path("konektor/<slug:name>/", views.connector_detail, name="detail"),
    path("konektor/<slug:name>/ubah/", views.connector_edit, name="edit"),
    path("konektor/<slug:name>/jalankan/", views.run_now, name="run_now"),
    path("konektor/<slug:name>/coba/", views.try_it, name="try_it"),
    path("konektor/<slug:name>/ulang/", views.reset_cursor, name="reset_cursor"),
    path("konektor/<slug:name>/unggah/", views.upload_file, name="upload"),
    path("konektor/<slug:name>/run/<int:run_id>/", views.run_detail, name="run"),
]
