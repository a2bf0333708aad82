"""What a visitor asks the catalogue (text, facet selections, sort) as ORM filters and facets.

`search_datasets` and `facets` are the plain ORM form: one query each, used where a queryset is
wanted (API, tests). The catalogue pages use `catalog.search.statement.run_search`, which answers
the same question in one statement.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower

from satudata.catalog.models import Dataset
from satudata.catalog.search.text import (
    SEARCH_QUERY_MAX_CHARS,
    query_terms,
    relevance,
    text_filter,
)

FACET_MAX_VALUES = getattr(settings, "SATUDATA_CATALOG_FACET_MAX_VALUES", 12)
FACET_YEAR_SPAN_MAX = 60

SORT_RELEVANCE = "relevansi"
SORT_NEWEST = "terbaru"
SORT_NAME = "nama"
SORTS = (SORT_RELEVANCE, SORT_NEWEST, SORT_NAME)


@dataclass
class CatalogQuery:
    """What the visitor asked for: text, facet selections (OR inside a facet, AND across), sort."""

    q: str = ""
    topics: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    sort: str = ""

    @property
    def terms(self) -> list[str]:
        return query_terms(self.q)

    @property
    def effective_sort(self) -> str:
        if self.sort in SORTS and not (self.sort == SORT_RELEVANCE and not self.terms):
            return self.sort
        return SORT_RELEVANCE if self.terms else SORT_NEWEST

    @property
    def has_filters(self) -> bool:
        return bool(self.topics or self.organisations or self.regions or self.years or self.formats)


# Query-string names of the facets (Indonesian, as the public URLs are).
PARAM_QUERY = "q"
PARAM_TOPIC = "sektor"
PARAM_ORGANISATION = "opd"
PARAM_REGION = "wilayah"
PARAM_YEAR = "tahun"
PARAM_FORMAT = "format"
PARAM_SORT = "urut"
PARAM_PAGE = "halaman"
FACET_PARAMS = (PARAM_TOPIC, PARAM_ORGANISATION, PARAM_REGION, PARAM_YEAR, PARAM_FORMAT)
# At most this many selected values per facet are honoured.
FACET_MAX_SELECTED = 10
_SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,120}$")
_REGION_RE = re.compile(r"^[0-9.]{1,13}$")
_FORMAT_RE = re.compile(r"^[A-Za-z0-9]{1,12}$")


def _clean_list(values: Iterable[str], pattern: re.Pattern[str]) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        value = (value or "").strip()
        if value and pattern.match(value) and value not in cleaned:
            cleaned.append(value)
    return cleaned[:FACET_MAX_SELECTED]


def parse_query(params: Mapping) -> CatalogQuery:
    """Read a CatalogQuery from request.GET; junk values are dropped, never an error."""

    def getlist(name: str) -> list[str]:
        if hasattr(params, "getlist"):
            return params.getlist(name)
        value = params.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    years: list[int] = []
    for value in getlist(PARAM_YEAR):
        if str(value).strip().isdigit() and len(str(value).strip()) == 4:
            year = int(value)
            if year not in years:
                years.append(year)
    sort = str(params.get(PARAM_SORT) or "")
    return CatalogQuery(
        q=str(params.get(PARAM_QUERY) or "")[:SEARCH_QUERY_MAX_CHARS].strip(),
        topics=_clean_list(getlist(PARAM_TOPIC), _SLUG_RE),
        organisations=_clean_list(getlist(PARAM_ORGANISATION), _SLUG_RE),
        regions=_clean_list(getlist(PARAM_REGION), _REGION_RE),
        years=years[:FACET_MAX_SELECTED],
        formats=[f.upper() for f in _clean_list(getlist(PARAM_FORMAT), _FORMAT_RE)],
        sort=sort if sort in SORTS else "",
    )


def _format_condition(fmt: str) -> Q:
    """`formats` is stored as 'CSV,XLSX'; match one whole entry."""
    return (
        Q(formats=fmt)
        | Q(formats__startswith=f"{fmt},")
        | Q(formats__endswith=f",{fmt}")
        | Q(formats__contains=f",{fmt},")
    )


def _any_of(conditions: Iterable[Q]) -> Q:
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


def apply_filters(qs: QuerySet, query: CatalogQuery) -> QuerySet:
    """The text condition and the facet selections, on an already permission-scoped queryset."""
    terms = query.terms
    if terms:
        qs = qs.filter(text_filter(terms))
    if query.topics:
        qs = qs.filter(topic__slug__in=query.topics)
    if query.organisations:
        qs = qs.filter(organisation__slug__in=query.organisations)
    if query.regions:
        # A region also selects datasets that cover a region inside it (51.05 ⊃ 51.05.01).
        through = Dataset.regions.through.objects.filter(
            _any_of(
                Q(region__code=code) | Q(region__code__startswith=f"{code}.")
                for code in query.regions
            )
        )
        qs = qs.filter(id__in=through.values("dataset_id"))
    if query.years:
        qs = qs.filter(
            _any_of(
                Q(temporal_start__lte=year, temporal_end__gte=year)
                | Q(temporal_start=year, temporal_end__isnull=True)
                for year in query.years
            )
        )
    if query.formats:
        qs = qs.filter(_any_of(_format_condition(fmt) for fmt in query.formats))
    return qs


def order(qs: QuerySet, query: CatalogQuery) -> QuerySet:
    sort = query.effective_sort
    if sort == SORT_RELEVANCE:
        return qs.annotate(score=relevance(query.terms)).order_by("-score", "-modified_at", "-pk")
    if sort == SORT_NAME:
        return qs.order_by(Lower("title"), "pk")
    return qs.order_by("-modified_at", "-pk")


def search_datasets(user, query: CatalogQuery, base: QuerySet | None = None) -> QuerySet:
    """Datasets `user` may see that match `query`, ranked and sorted (not yet paginated).

    `base` narrows the starting set (e.g. one organisation's datasets); it is scoped again
    through `visible_to(user)`, so passing an unscoped queryset is safe.
    """
    qs = (base if base is not None else Dataset.objects.all()).visible_to(user)
    return order(apply_filters(qs, query), query)


def for_listing(qs: QuerySet) -> QuerySet:
    """What a result row needs in a fixed number of queries, however long the page is."""
    return (
        qs.select_related("organisation", "topic")
        .prefetch_related("tags")
        # The index texts and BPS metadata can be long and a result row never shows them.
        .defer("search_text", "search_title", "ms_keg", "ms_ind", "ms_var")
    )


# --- facets -----------------------------------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    param: str
    title: str
    values: list[FacetValue]


def most_frequent(counter: Mapping[str, int], limit: int) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def keep_selected(values: list[FacetValue], selected: Iterable[str], labels: Mapping) -> None:
    """A selected value stays visible (to un-select it) even when it falls out of the top list."""
    shown = {value.value for value in values}
    for value in selected:
        if value not in shown:
            values.append(FacetValue(value, labels.get(value, value), 0, True))


def topic_facet(qs: QuerySet, query: CatalogQuery, language: str) -> list[FacetValue]:
    rows = (
        qs.exclude(topic=None)
        .values("topic__slug", "topic__name", "topic__name_en")
        .annotate(n=Count("id"))
        .order_by("-n", "topic__name")[:FACET_MAX_VALUES]
    )
    values = [
        FacetValue(
            row["topic__slug"],
            (row["topic__name_en"] if language == "en" and row["topic__name_en"] else None)
            or row["topic__name"],
            row["n"],
            row["topic__slug"] in query.topics,
        )
        for row in rows
    ]
    keep_selected(values, query.topics, {})
    return values


def organisation_facet(qs: QuerySet, query: CatalogQuery) -> list[FacetValue]:
    rows = (
        qs.values("organisation__slug", "organisation__name", "organisation__short_name")
        .annotate(n=Count("id"))
        .order_by("-n", "organisation__name")[:FACET_MAX_VALUES]
    )
    values = [
        FacetValue(
            row["organisation__slug"],
            row["organisation__short_name"] or row["organisation__name"],
            row["n"],
            row["organisation__slug"] in query.organisations,
        )
        for row in rows
    ]
    keep_selected(values, query.organisations, {})
    return values


def region_facet(qs: QuerySet, query: CatalogQuery) -> list[FacetValue]:
    through = Dataset.regions.through.objects.filter(dataset_id__in=qs.values("id"))
    rows = (
        through.values("region_id", "region__name")
        .annotate(n=Count("dataset_id"))
        .order_by("-n", "region_id")[:FACET_MAX_VALUES]
    )
    values = [
        FacetValue(row["region_id"], row["region__name"] or row["region_id"], row["n"])
        for row in rows
    ]
    for value in values:
        value.selected = value.value in query.regions
    keep_selected(values, query.regions, {})
    return values


def year_facet(qs: QuerySet, query: CatalogQuery) -> list[FacetValue]:
    """Datasets per year inside their temporal coverage (one grouped query, expanded here)."""
    rows = (
        qs.exclude(temporal_start=None)
        .values_list("temporal_start", "temporal_end")
        .annotate(n=Count("id"))
        .order_by()
    )
    counter: Counter[str] = Counter()
    for start, end, n in rows:
        end = end if end and end >= start else start
        start = max(start, end - FACET_YEAR_SPAN_MAX)
        for year in range(start, end + 1):
            counter[str(year)] += n
    newest = sorted(counter.items(), key=lambda item: item[0], reverse=True)[:FACET_MAX_VALUES]
    selected = {str(year) for year in query.years}
    values = [FacetValue(year, year, n, year in selected) for year, n in newest]
    keep_selected(values, sorted(selected), {})
    return values


def format_facet(qs: QuerySet, query: CatalogQuery) -> list[FacetValue]:
    rows = qs.exclude(formats="").values_list("formats").annotate(n=Count("id")).order_by()
    counter: Counter[str] = Counter()
    for formats, n in rows:
        for fmt in {part.strip().upper() for part in formats.split(",") if part.strip()}:
            counter[fmt] += n
    values = [
        FacetValue(fmt, fmt, n, fmt in query.formats)
        for fmt, n in most_frequent(counter, FACET_MAX_VALUES)
    ]
    keep_selected(values, query.formats, {})
    return values


def facets(qs: QuerySet, query: CatalogQuery, language: str = "id") -> dict[str, list[FacetValue]]:
    """Counts per facet value over the current result set (filtered, not sorted)."""
    base = qs.order_by()
    return {
        PARAM_TOPIC: topic_facet(base, query, language),
        PARAM_ORGANISATION: organisation_facet(base, query),
        PARAM_REGION: region_facet(base, query),
        PARAM_YEAR: year_facet(base, query),
        PARAM_FORMAT: format_facet(base, query),
    }
