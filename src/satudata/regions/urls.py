from django.urls import path

from satudata.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.index, name="index"),
    # Before `detail`: `<str:kode>` would also match "51.05.geojson".
    path("<str:kode>.geojson", views.geojson, name="geojson"),
    path("<str:kode>", views.detail, name="detail"),
]
