"""Routes of the API app: CKAN Action API and DCAT (no trailing slashes: clients never follow a
redirect)."""

from django.urls import include, path, re_path

from satudata.api import ckan_views, dcat_views

app_name = "api"
urlpatterns = [
    path("api/3/action/<str:name>", ckan_views.action, name="ckan_action"),
    path("api/action/<str:name>", ckan_views.action, name="ckan_action_unversioned"),
    re_path(r"^(?:id|en)/api/(?:3/)?action/(?P<name>[\w.-]+)$", ckan_views.action),
    path("api/3", ckan_views.api_version),
    path("api", ckan_views.api_version),
    path("catalog.<str:fmt>", dcat_views.catalog, name="dcat_catalog"),
    path("dataset/<slug:slug>.<str:fmt>", dcat_views.dataset, name="dcat_dataset"),
    path("dcat.json", dcat_views.dcat_json, name="dcat_json"),
    path("log-api/", include("satudata.api.log_urls")),  # request log (walidata)
]
