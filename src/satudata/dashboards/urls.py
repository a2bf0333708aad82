from django.urls import path

from satudata.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dasbor/", views.dashboard_list, name="list"),
    path("dasbor/baru/", views.dashboard_create, name="create"),
    path("dasbor/<slug:slug>/", views.dashboard_detail, name="detail"),
    path("dasbor/<slug:slug>/ubah/", views.dashboard_edit, name="edit"),
    path("dasbor/<slug:slug>/panel/<int:panel_id>/", views.panel_fragment, name="panel"),
    path("grafik/baru/", views.chart_builder, name="builder"),
    path("grafik/pratinjau/", views.chart_preview, name="preview"),
    path("grafik/<str:key>/", views.chart_detail, name="chart"),
    path("grafik/<str:key>/ubah/", views.chart_edit, name="chart_edit"),
    path("grafik/<str:key>/sematkan/", views.chart_embed, name="chart_embed"),
    path("grafik/<str:key>/grafik.svg", views.chart_svg, name="chart_svg"),
    path("grafik/<str:key>/grafik.png", views.chart_png, name="chart_png"),
    path("grafik/<str:key>/data.csv", views.chart_csv, name="chart_csv"),
    path("grafik/<str:key>/spec.json", views.chart_spec_json, name="chart_spec"),
    path("grafik/<str:key>/tambah-ke-dasbor/", views.chart_add_to_dashboard, name="chart_add"),
    path("indikator/<slug:slug>/", views.indicator_detail, name="indicator"),
]
