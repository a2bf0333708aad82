from django.urls import path

from satudata.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("dataset", views.dataset_list, name="dataset_list"),
    # Fixed paths first: "baru" and "kelengkapan" are reserved slugs (catalog.services).
    path("dataset/baru", views.dataset_create, name="dataset_create"),
    path("dataset/kelengkapan", views.completeness_panel, name="completeness"),
    path("dataset/<slug:slug>", views.dataset_detail, name="dataset_detail"),
    path("dataset/<slug:slug>/ubah", views.dataset_edit, name="dataset_edit"),
    path("organization", views.organization_list, name="organization_list"),
    path("organization/<slug:slug>", views.organization_detail, name="organization_detail"),
    path("topik", views.topic_list, name="topic_list"),
    path("topik/<slug:slug>", views.topic_detail, name="topic_detail"),
]
