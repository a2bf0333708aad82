from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from satudata.api.v1 import api as api_v1
from satudata.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("akun/", include("satudata.accounts.urls")),
    path("wilayah/", include("satudata.regions.urls")),
    path("api/v1/", api_v1.urls),
    path("", include("satudata.api.urls")),  # CKAN Action API, DCAT
    path("", include("satudata.workflow.urls")),  # /tinjauan/, /notifikasi/, /audit/
    path("", include("satudata.monitoring.urls")),  # /daftar-data/, /monitoring/
    path("", include("satudata.connectors.urls")),  # /konektor/
    path("", include("satudata.dashboards.urls")),  # /dasbor/, /grafik/, /peta/, /indikator/
    path("", include("satudata.reports.urls")),  # /laporan/
    path("", include("satudata.warehouse.urls")),
    path("", include("satudata.catalog.urls")),
]
