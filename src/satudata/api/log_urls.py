"""Pages of the API request log (/log-api/), for the walidata."""

from django.urls import path

from satudata.api import log_views

app_name = "api_log"
urlpatterns = [
    path("", log_views.request_log, name="list"),
    path("csv", log_views.request_log_csv, name="csv"),
]
