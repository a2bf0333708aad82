"""Forms of the report pages. They only collect input; services check and save it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import Organisation
from satudata.core.permissions import ANONYMOUS
from satudata.reports.models import Schedule, Section, SectionKind

FILTER_LINE_HELP = _("One filter per line: column operator value, e.g. “tahun eq 2020”.")
OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "contains", "region", "in")


class ReportForm(forms.Form):
    slug = forms.SlugField(label=_("Slug (web address)"), max_length=120)
    title = forms.CharField(label=_("Title"), max_length=200)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=300, required=False)
    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Blank lines separate paragraphs."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Publishing agency"), queryset=Organisation.objects.none(), required=False
    )
    schedule = forms.ChoiceField(label=_("Schedule"), choices=Schedule.choices)
    is_public = forms.BooleanField(
        label=_("Listed on the public reports page"), required=False, initial=True
    )

    def __init__(self, *args, creating: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        if not creating:
            del self.fields["slug"]


def _public_datasets():
    from satudata.catalog.models import Dataset

    return (
        Dataset.objects.visible_to(ANONYMOUS)
        .filter(published_version__isnull=False)
        .order_by("title")
    )


def _chart_choices() -> list[tuple[str, str]]:
    try:
        from satudata.dashboards.models import Chart
    except ImportError:  # dashboards not installed: no chart sections
        return []
    charts = Chart.objects.visible_to(ANONYMOUS).order_by("title").values_list("key", "title")
    return [("", "—")] + [(key, f"{title} ({key})") for key, title in charts]


def _indicator_choices() -> list[tuple[str, str]]:
    try:
        from satudata.dashboards.models import Indicator
    except ImportError:
        return []
    found = Indicator.objects.visible_to(ANONYMOUS).order_by("name").values_list("slug", "name")
    return [("", "—"), *list(found)]


def _names(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class SectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SectionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Blank lines separate paragraphs. For an indicator: its definition."),
    )
    starts_chapter = forms.BooleanField(label=_("Starts on a new page"), required=False)
    dataset = forms.ModelChoiceField(
        label=_("Dataset (table, indicator)"), queryset=Section.objects.none(), required=False
    )
    columns = forms.CharField(
        label=_("Columns"),
        required=False,
        help_text=_("Comma-separated column names; empty for all columns."),
    )
    group_by = forms.CharField(label=_("Group by"), required=False)
    aggregates = forms.CharField(
        label=_("Aggregates"), required=False, help_text=_("e.g. “sum:penduduk, count”.")
    )
    sort = forms.CharField(
        label=_("Sort"), required=False, help_text=_("e.g. “-penduduk” (minus: descending).")
    )
    limit = forms.IntegerField(label=_("Rows at most"), required=False, min_value=1)
    conditions = forms.CharField(
        label=_("Filters"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=FILTER_LINE_HELP,
    )
    chart = forms.ChoiceField(label=_("Chart or map"), required=False, choices=())
    indicator = forms.ChoiceField(label=_("Indicator"), required=False, choices=())
    measure = forms.CharField(label=_("Measure column (indicator)"), required=False)
    time_field = forms.CharField(label=_("Time column (indicator)"), required=False)
    unit = forms.CharField(label=_("Unit (indicator)"), required=False, max_length=60)

    GROUPS = (
        (_("Section"), ("kind", "title", "body", "starts_chapter")),
        (
            _("Table: a dataset's published data"),
            ("dataset", "columns", "group_by", "aggregates", "sort", "limit", "conditions"),
        ),
        (_("Chart or map (made on the dashboards pages)"), ("chart",)),
        (
            _(
                "Indicator card: a dashboards indicator, or a measure of the dataset above "
                "per period"
            ),
            ("indicator", "measure", "time_field", "unit"),
        ),
    )

    def groups(self) -> list[tuple[str, list]]:
        """The fields in fieldsets, so each kind of section finds its settings together."""
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = _public_datasets()
        self.fields["chart"].choices = _chart_choices()
        self.fields["indicator"].choices = _indicator_choices()

    def clean_conditions(self) -> list[dict]:
        conditions = []
        for number, line in enumerate(self.cleaned_data["conditions"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split(None, 2)
            if len(parts) != 3 or parts[1] not in OPERATORS:
                raise forms.ValidationError(
                    _("Filter line %(n)d is not “column operator value”.") % {"n": number}
                )
            field, op, value = parts
            conditions.append(
                {"field": field, "op": op, "value": _names(value) if op == "in" else value}
            )
        return conditions

    def section_values(self) -> dict:
        """The values `services.save_section` takes."""
        data = self.cleaned_data
        kind = data["kind"]
        config: dict = {}
        if kind == SectionKind.TABLE:
            config = {
                "fields": _names(data["columns"]),
                "group_by": _names(data["group_by"]),
                "aggregates": _names(data["aggregates"]),
                "sort": _names(data["sort"]),
                "conditions": data["conditions"],
            }
            if data.get("limit"):
                config["limit"] = data["limit"]
        elif kind in (SectionKind.CHART, SectionKind.MAP):
            config = {"chart": data.get("chart") or ""}
        elif kind == SectionKind.INDICATOR:
            if data.get("indicator"):
                config = {"indicator": data["indicator"]}
            else:
                config = {
                    "measure": data["measure"].strip(),
                    "time_field": data["time_field"].strip(),
                    "unit": data["unit"].strip(),
                    "conditions": data["conditions"],
                }
        config = {k: v for k, v in config.items() if v not in ("", [], None)}
        return {
            "kind": kind,
            "title": data["title"],
            "body": data["body"],
            "starts_chapter": data["starts_chapter"],
            "dataset": data.get("dataset"),
            "config": config,
        }

    @classmethod
    def initial_for(cls, section: Section) -> dict:
        config = section.config or {}
        conditions = "\n".join(
            f"{c.get('field')} {c.get('op')} "
            + (
                ", ".join(map(str, c["value"]))
                if isinstance(c.get("value"), list)
                else str(c.get("value"))
            )
            for c in config.get("conditions") or []
            if isinstance(c, dict)
        )
        return {
            "kind": section.kind,
            "title": section.title,
            "body": section.body,
            "starts_chapter": section.starts_chapter,
            "dataset": section.dataset_id,
            "columns": ", ".join(config.get("fields") or []),
            "group_by": ", ".join(config.get("group_by") or []),
            "aggregates": ", ".join(config.get("aggregates") or []),
            "sort": ", ".join(config.get("sort") or []),
            "limit": config.get("limit"),
            "conditions": conditions,
            "chart": config.get("chart", ""),
            "indicator": config.get("indicator", ""),
            "measure": config.get("measure", ""),
            "time_field": config.get("time_field", ""),
            "unit": config.get("unit", ""),
        }


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
