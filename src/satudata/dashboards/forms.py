"""The chart builder form: its column choices come from the dataset's current Table Schema."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from satudata.dashboards.models import Aggregation, ChartKind, Classing, MapLevel, PanelWidth
from satudata.dashboards.specs import NUMERIC_TYPES, TOP_N_MAX

LATITUDE_NAMES = ("lat", "latitude", "lintang")
LONGITUDE_NAMES = ("lng", "lon", "long", "longitude", "bujur")


def _choices(fields: list[dict], *, numeric: bool = False, blank: str = "") -> list[tuple]:
    choices = [("", blank or _("(none)"))]
    for item in fields:
        if numeric and item.get("type") not in NUMERIC_TYPES:
            continue
        label = item.get("title") or item["name"]
        kind = item.get("type", "string")
        choices.append((item["name"], f"{label} ({kind})"))
    return choices


class ChartBuilderForm(forms.Form):
    """Bound to request data; `fields_of_version` decides what can be picked."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Chart type"), choices=ChartKind.choices)
    measure = forms.ChoiceField(label=_("Measure (number column)"), required=False)
    aggregate = forms.ChoiceField(
        label=_("Add up values by"), choices=Aggregation.choices, initial="sum"
    )
    category = forms.ChoiceField(label=_("Category (x axis or bars)"), required=False)
    series = forms.ChoiceField(label=_("Series (colour)"), required=False)
    time_field = forms.ChoiceField(label=_("Time column"), required=False)
    region_field = forms.ChoiceField(label=_("Region code column"), required=False)
    map_level = forms.ChoiceField(
        label=_("Map by"), choices=[("", _("(not a map)")), *MapLevel.choices], required=False
    )
    classing = forms.ChoiceField(
        label=_("Map classes"), choices=Classing.choices, initial="quantile", required=False
    )
    latitude_field = forms.ChoiceField(label=_("Latitude column"), required=False)
    longitude_field = forms.ChoiceField(label=_("Longitude column"), required=False)
    filter_field = forms.ChoiceField(label=_("Only rows where column"), required=False)
    filter_value = forms.CharField(label=_("equals"), max_length=200, required=False)
    top_n = forms.IntegerField(
        label=_("Largest categories shown"),
        min_value=1,
        max_value=TOP_N_MAX,
        initial=20,
        required=False,
    )
    unit = forms.CharField(label=_("Unit (blank: from the schema)"), max_length=60, required=False)

    def __init__(self, *args: Any, schema_fields: list[dict], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema_fields = schema_fields
        every = _choices(schema_fields)
        self.fields["measure"].choices = _choices(
            schema_fields, numeric=True, blank=_("(count rows)")
        )
        for name in ("category", "series", "time_field", "region_field", "filter_field"):
            self.fields[name].choices = every
        for name in ("latitude_field", "longitude_field"):
            self.fields[name].choices = _choices(schema_fields, numeric=True)

    def chart_values(self) -> dict[str, Any]:
        """The cleaned form as Chart field values (the service checks them again)."""
        data = self.cleaned_data
        values = {
            key: data.get(key) or ""
            for key in (
                "title",
                "description",
                "kind",
                "measure",
                "aggregate",
                "category",
                "series",
                "time_field",
                "region_field",
                "map_level",
                "classing",
                "latitude_field",
                "longitude_field",
                "unit",
            )
        }
        if not values["measure"]:
            values["aggregate"] = "count"
        values["aggregate"] = values["aggregate"] or "sum"
        values["classing"] = values["classing"] or "quantile"
        values["top_n"] = data.get("top_n") or 20
        if values["kind"] == ChartKind.CHOROPLETH and not values["map_level"]:
            values["map_level"] = "kecamatan"
        values["filters"] = []
        if data.get("filter_field") and data.get("filter_value"):
            values["filters"] = [
                {"field": data["filter_field"], "op": "eq", "value": data["filter_value"]}
            ]
        return values


REGION_WORDS = ("kode_wilayah", "kode_desa", "kode_kecamatan", "kode_kabupaten", "kode")
TIME_WORDS = ("tahun", "periode", "bulan", "tanggal", "year", "period")


def guess_region_and_time(schema_fields: list[dict]) -> tuple[str, str]:
    """A region code column and a time column, by the names Indonesian tables use (the user
    can change both; a wrong guess only pre-selects a choice)."""
    names = [f["name"] for f in schema_fields]
    region = next((n for word in REGION_WORDS for n in names if n.lower().startswith(word)), "")
    time = next((n for word in TIME_WORDS for n in names if n.lower().startswith(word)), "")
    return region, time


def guess_coordinates(schema_fields: list[dict]) -> tuple[str, str]:
    names = {f["name"].lower(): f["name"] for f in schema_fields}
    lat = next((names[n] for n in LATITUDE_NAMES if n in names), "")
    lng = next((names[n] for n in LONGITUDE_NAMES if n in names), "")
    return lat, lng


class AddPanelForm(forms.Form):
    dashboard = forms.ChoiceField(label=_("Dashboard"))
    width = forms.ChoiceField(label=_("Width"), choices=PanelWidth.choices, initial="half")

    def __init__(self, *args: Any, dashboards, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dashboard"].choices = [(d.slug, d.title) for d in dashboards]


class DashboardForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
