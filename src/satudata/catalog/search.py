"""Catalogue search: text normalisation, the search index text, ranking, facets and sorting.

The index is two denormalised columns on Dataset, rebuilt by
`catalog.services.refresh_dataset_index`:

* ``search_text`` — words of the title, description, tags, column names/titles, organisation and
  topic, plus their Indonesian stems (PySastrawi), normalised (lower case, no accents);
* ``search_title`` — the same for the title only, for ranking.

Both are stored as `` word word stem `` (a space before and after every word), so a query term
matches the start of a word (``" pendud"`` finds *penduduk*) and a stem matches a whole stem
(``" duduk "``: *penduduk* finds *kependudukan*, while *perikanan* → ``ikan`` does not find
*pendidikan*). The queries are plain ``LIKE`` with bound parameters, so they run the same on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from satudata.catalog import fts
from satudata.catalog.models import Dataset
from satudata.core.models import AuditHead

# Guard-rails: a query is cut to this many terms, each to this many characters.
SEARCH_MAX_TERMS = 8
SEARCH_TERM_MAX_CHARS = 40
SEARCH_QUERY_MAX_CHARS = 200
# Values shown per facet (the most frequent first); years beyond this span are not expanded.
FACET_MAX_VALUES = getattr(settings, "SATUDATA_CATALOG_FACET_MAX_VALUES", 12)
FACET_YEAR_SPAN_MAX = 60
# Index text longer than this is cut (very long descriptions add little to recall).
SEARCH_TEXT_MAX_CHARS = 20_000

TITLE_WEIGHT = 10
OTHER_WEIGHT = 1

SORT_RELEVANCE = "relevansi"
SORT_NEWEST = "terbaru"
SORT_NAME = "nama"
SORTS = (SORT_RELEVANCE, SORT_NEWEST, SORT_NAME)
# Stemming very short words gives noise (and Sastrawi leaves them alone anyway).
STEM_MIN_CHARS = 4

_NON_WORD = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def normalise(text: str | None) -> str:
    """Lower case, accents removed, punctuation and underscores turned into single spaces."""
    if not text:
        return ""
    text = _CAMEL.sub(" ", str(text))
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


def words(text: str | None) -> list[str]:
    normal = normalise(text)
    return normal.split() if normal else []


@functools.cache
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Indonesian stem of one normalised word (`kependudukan` → `duduk`)."""
    if len(word) < STEM_MIN_CHARS or not word.isalpha():
        return word
    return _stemmer().stem(word) or word


def index_text(parts: Iterable[str | None], max_chars: int = SEARCH_TEXT_MAX_CHARS) -> str:
    """The stored index form of some texts: unique words and stems, space-delimited both sides."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in words(part):
            seen.setdefault(word, None)
            seen.setdefault(stem(word), None)
    body = " ".join(seen)
    if len(body) > max_chars:
        body = body[:max_chars].rsplit(" ", 1)[0]
    return f" {body} " if body else ""


def query_terms(q: str | None) -> list[str]:
    """The normalised, de-duplicated terms of a user query, within the guard-rails."""
    terms: list[str] = []
    for word in words((q or "")[:SEARCH_QUERY_MAX_CHARS]):
        word = word[:SEARCH_TERM_MAX_CHARS]
        if word not in terms:
            terms.append(word)
    return terms[:SEARCH_MAX_TERMS]


def _term_condition(column: str, term: str) -> Q:
    """`term` starts a word in `column`, or its stem is a whole stem there (LIKE form)."""
    condition = Q(**{f"{column}__contains": f" {term}"})
    term_stem = stem(term)
    if term_stem != term:
        condition |= Q(**{f"{column}__contains": f" {term_stem} "})
    return condition


def _fts_alternatives(term: str) -> list[str]:
    """The same condition as `_term_condition` in FTS5 syntax (terms are [a-z0-9]+ only)."""
    alternatives = [f'"{term}"*']
    term_stem = stem(term)
    if term_stem != term:
        alternatives.append(f'"{term_stem}"')
    return alternatives


_FTS_IDS_SQL = "SELECT rowid FROM catalog_dataset_fts WHERE catalog_dataset_fts MATCH %s"


def _fts_ids(expression: str) -> RawSQL:
    # Constant SQL; the match expression is a bound parameter.
    return RawSQL(_FTS_IDS_SQL, [expression])  # noqa: S611


def use_fts() -> bool:
    """SQLite with the FTS5 index in place (see catalog/fts.py); otherwise LIKE conditions."""
    return fts.is_available()


def text_filter(terms: list[str]) -> Q:
    """Every term must match the dataset's index text."""
    if use_fts():
        expression = fts.match_expression([_fts_alternatives(term) for term in terms])
        return Q(id__in=_fts_ids(expression))
    condition = Q()
    for term in terms:
        condition &= _term_condition("search_text", term)
    return condition


def _title_condition(term: str) -> Q:
    if use_fts():
        expression = fts.match_expression([_fts_alternatives(term)], column=fts.TITLE_COLUMN)
        return Q(id__in=_fts_ids(expression))
    return _term_condition("search_title", term)


def relevance(terms: list[str]) -> Case | Value:
    """A score: each term found in the title weighs more than one found elsewhere."""
    if not terms:
        return Value(0, output_field=IntegerField())
    score = None
    for term in terms:
        part = Case(
            When(_title_condition(term), then=Value(TITLE_WEIGHT)),
            default=Value(OTHER_WEIGHT),
            output_field=IntegerField(),
        )
        score = part if score is None else score + part
    return score


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


def _top(counter: Mapping[str, int], limit: int) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _ensure_selected(values: list[FacetValue], selected: Iterable[str], labels: Mapping) -> None:
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
    _ensure_selected(values, query.topics, {})
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
    _ensure_selected(values, query.organisations, {})
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
    _ensure_selected(values, query.regions, {})
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
    _ensure_selected(values, sorted(selected), {})
    return values


def format_facet(qs: QuerySet, query: CatalogQuery) -> list[FacetValue]:
    rows = qs.exclude(formats="").values_list("formats").annotate(n=Count("id")).order_by()
    counter: Counter[str] = Counter()
    for formats, n in rows:
        for fmt in {part.strip().upper() for part in formats.split(",") if part.strip()}:
            counter[fmt] += n
    values = [
        FacetValue(fmt, fmt, n, fmt in query.formats) for fmt, n in _top(counter, FACET_MAX_VALUES)
    ]
    _ensure_selected(values, query.formats, {})
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


# --- the one-query search used by the pages ------------------------------------------------------
#
# A catalogue page needs the result count, five facets and one page of ids. Asked one by one,
# each of those scans the dataset table and evaluates the text condition again (seven scans: about
# 200 ms over 10,000 datasets on SQLite). Instead the permission-scoped, filtered ORM queryset is
# compiled to SQL (bound parameters, no string building of user input), materialised once as a
# common table expression, and the count, the facets and the page are read from it in one
# statement. The same SQL runs on SQLite (>= 3.35) and PostgreSQL (>= 12).

_KIND_TOTAL, _KIND_TOPIC, _KIND_ORGANISATION = "n", "t", "o"
_KIND_REGION, _KIND_YEAR, _KIND_FORMAT, _KIND_PAGE = "r", "y", "f", "p"


def _page_order(sort: str, alias: str = "m") -> str:
    if sort == SORT_RELEVANCE:
        return f"{alias}.c_score DESC, {alias}.c_modified DESC, {alias}.c_id DESC"
    if sort == SORT_NAME:
        return f"{alias}.c_title ASC, {alias}.c_id ASC"
    return f"{alias}.c_modified DESC, {alias}.c_id DESC"


def _facet_sql(quote) -> str:
    topic = quote(Dataset._meta.get_field("topic").related_model._meta.db_table)
    organisation = quote(Dataset._meta.get_field("organisation").related_model._meta.db_table)
    through = Dataset.regions.through._meta
    link = quote(through.db_table)
    link_dataset = quote(through.get_field("dataset").column)
    link_region = quote(through.get_field("region").column)
    region_model = Dataset._meta.get_field("regions").related_model._meta
    region = quote(region_model.db_table)
    region_pk = quote(region_model.pk.column)
    # Only model metadata (quoted table/column names) and constants are formatted in; every value
    # from the visitor travels as a bound parameter.
    # Group on the integer keys first and look labels up for the few groups only. The unary plus
    # in the region join keeps SQLite walking the matches and probing the link table's index
    # (with ANALYZE statistics it may otherwise pick a plan several times slower).
    return f"""
UNION ALL SELECT * FROM (
  SELECT '{_KIND_TOPIC}', x.slug, x.name, x.name_en, g.n
  FROM (SELECT m.c_topic AS k, COUNT(*) AS n FROM m GROUP BY m.c_topic) g
  JOIN {topic} x ON x.id = g.k ORDER BY g.n DESC, x.name LIMIT %s) AS ft
UNION ALL SELECT * FROM (
  SELECT '{_KIND_ORGANISATION}', x.slug, x.name, x.short_name, g.n
  FROM (SELECT m.c_organisation AS k, COUNT(*) AS n FROM m GROUP BY m.c_organisation) g
  JOIN {organisation} x ON x.id = g.k ORDER BY g.n DESC, x.name LIMIT %s) AS fo
UNION ALL SELECT * FROM (
  SELECT '{_KIND_REGION}', x.{region_pk}, x.name, CAST(NULL AS TEXT), g.n
  FROM (SELECT l.{link_region} AS k, COUNT(*) AS n
        FROM {link} l JOIN m ON +m.c_id = l.{link_dataset}
        GROUP BY l.{link_region} ORDER BY COUNT(*) DESC, l.{link_region} LIMIT %s) g
  JOIN {region} x ON x.{region_pk} = g.k) AS fr
UNION ALL
  SELECT '{_KIND_YEAR}', CAST(m.c_start AS TEXT), CAST(m.c_end AS TEXT), CAST(NULL AS TEXT),
         COUNT(*)
  FROM m WHERE m.c_start IS NOT NULL GROUP BY m.c_start, m.c_end
UNION ALL
  SELECT '{_KIND_FORMAT}', m.c_formats, CAST(NULL AS TEXT), CAST(NULL AS TEXT), COUNT(*)
  FROM m WHERE m.c_formats <> '' GROUP BY m.c_formats"""  # noqa: S608


def _search_sql(qs: QuerySet, query: CatalogQuery, *, limit: int, offset: int, with_facets: bool):
    """(sql, params) of the one statement; rows are (kind, key, label, label2, number)."""
    sort = query.effective_sort
    columns = {
        "c_id": F("id"),
        "c_topic": F("topic_id"),
        "c_organisation": F("organisation_id"),
        "c_start": F("temporal_start"),
        "c_end": F("temporal_end"),
        "c_formats": F("formats"),
        "c_modified": F("modified_at"),
    }
    # Only what the chosen order needs: every extra column is computed for every match.
    if sort == SORT_NAME:
        columns["c_title"] = Lower("title")
    if sort == SORT_RELEVANCE:
        columns["c_score"] = relevance(query.terms)
    inner = qs.order_by().annotate(**columns).values(*columns)
    inner_sql, inner_params = inner.query.sql_with_params()
    quote = connection.ops.quote_name
    # The inner SQL is Django's own compilation of the scoped queryset (values are parameters).
    # Materialise the matches once when finding them is costly (text, regions); otherwise let
    # each branch read the visibility indexes directly, which is cheaper than a temporary table.
    costly = bool(query.terms or query.regions)
    materialised = "MATERIALIZED" if costly else "NOT MATERIALIZED"
    # The page is cut first (an index walk or a top-N sort), then numbered: UNION ALL keeps no
    # order, so each page row carries its rank.
    sql = f"""WITH m AS {materialised} ({inner_sql})
SELECT '{_KIND_TOTAL}', CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), COUNT(*) FROM m
UNION ALL
  SELECT '{_KIND_PAGE}', CAST(p.c_id AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
         ROW_NUMBER() OVER (ORDER BY {_page_order(sort, "p")})
  FROM (SELECT * FROM m ORDER BY {_page_order(sort)} LIMIT %s OFFSET %s) AS p"""  # noqa: S608
    params = [*inner_params, limit, offset]
    if with_facets:
        sql += _facet_sql(quote)
        params += [FACET_MAX_VALUES, FACET_MAX_VALUES, FACET_MAX_VALUES]
    return sql, params


class _CountedPage(Sequence):
    """What Django's Paginator needs: a known count, and the one page already fetched."""

    def __init__(self, total: int, offset: int, items: list) -> None:
        self.total, self.offset, self.items = total, offset, items

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        if isinstance(index, slice):
            start = (index.start or 0) - self.offset
            stop = (index.stop if index.stop is not None else self.total) - self.offset
            return self.items[max(start, 0) : max(stop, 0)]
        return self.items[index - self.offset]


@dataclass
class SearchResult:
    page: Page
    facets: dict[str, list[FacetValue]]

    @property
    def total(self) -> int:
        return self.page.paginator.count


def _page_number(raw) -> int:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 1_000_000 else 1


def _read_facets(rows: list[tuple], query: CatalogQuery, language: str) -> dict:
    topics, organisations, regions, years, formats = [], [], [], Counter(), Counter()
    for kind, key, label, label2, number in rows:
        if kind == _KIND_TOPIC:
            name = label2 if language == "en" and label2 else label
            topics.append(FacetValue(key, name, number, key in query.topics))
        elif kind == _KIND_ORGANISATION:
            organisations.append(
                FacetValue(key, label2 or label, number, key in query.organisations)
            )
        elif kind == _KIND_REGION:
            regions.append(FacetValue(key, label or key, number, key in query.regions))
        elif kind == _KIND_YEAR:
            start = int(key)
            end = int(label) if label and int(label) >= start else start
            for year in range(max(start, end - FACET_YEAR_SPAN_MAX), end + 1):
                years[str(year)] += number
        elif kind == _KIND_FORMAT:
            for fmt in {part.strip().upper() for part in key.split(",") if part.strip()}:
                formats[fmt] += number
    topics.sort(key=lambda value: (-value.count, value.label))
    organisations.sort(key=lambda value: (-value.count, value.label))
    regions.sort(key=lambda value: (-value.count, value.value))
    selected_years = {str(year) for year in query.years}
    year_values = [
        FacetValue(year, year, n, year in selected_years)
        for year, n in sorted(years.items(), reverse=True)[:FACET_MAX_VALUES]
    ]
    format_values = [
        FacetValue(fmt, fmt, n, fmt in query.formats) for fmt, n in _top(formats, FACET_MAX_VALUES)
    ]
    for values, selected in (
        (topics, query.topics),
        (organisations, query.organisations),
        (regions, query.regions),
        (year_values, sorted(selected_years)),
        (format_values, query.formats),
    ):
        _ensure_selected(values, selected, {})
    return {
        PARAM_TOPIC: topics,
        PARAM_ORGANISATION: organisations,
        PARAM_REGION: regions,
        PARAM_YEAR: year_values,
        PARAM_FORMAT: format_values,
    }


def run_search(
    user,
    query: CatalogQuery,
    *,
    page: int | str | None = 1,
    page_size: int = 20,
    base: QuerySet | None = None,
    base_key: str | None = None,
    with_facets: bool = True,
    language: str = "id",
) -> SearchResult:
    """One catalogue page: the visible, matching datasets of `page`, the count and the facets.

    A fixed number of queries whatever the page size: the search statement (or, for anonymous
    visitors, a cached copy of its answer), the page's rows and their tags. `base_key` names
    `base` for the cache (e.g. ``"organisation:12"``); without it a `base` search is not cached.
    """
    number = _page_number(page)
    key = _cache_key(user, query, number, page_size, with_facets, base, base_key)
    cached = cache.get(key) if key else None
    if cached is not None:
        number, rows = cached
    else:
        scoped = apply_filters(
            (base if base is not None else Dataset.objects.all()).visible_to(user), query
        )
        number, rows = _statement_rows(scoped, query, number, page_size, with_facets)
        if key:
            cache.set(key, (number, rows), catalog_cache_seconds())
    total = next(row[4] for row in rows if row[0] == _KIND_TOTAL)
    ranked = sorted((row[4], int(row[1])) for row in rows if row[0] == _KIND_PAGE)
    ids = [pk for _rank, pk in ranked]
    # The ids came from the scoped statement (or its cached answer); fetching the rows through
    # the permission layer again means a dataset hidden since then is never shown.
    found = {d.pk: d for d in for_listing(Dataset.objects.visible_to(user).filter(pk__in=ids))}
    items = [found[pk] for pk in ids if pk in found]
    offset = (number - 1) * page_size
    paginator = Paginator(_CountedPage(total, offset, items), page_size)
    facets = _read_facets(rows, query, language) if with_facets else {}
    return SearchResult(page=paginator.page(number), facets=facets)


def _statement_rows(
    scoped: QuerySet, query: CatalogQuery, number: int, page_size: int, with_facets: bool
) -> tuple[int, list[tuple]]:
    """(page number actually shown, rows of the search statement)."""
    rows = _run_search_sql(scoped, query, number, page_size, with_facets)
    total = next(row[4] for row in rows if row[0] == _KIND_TOTAL)
    last = max(1, -(-total // page_size))
    if number > last:  # out of range: show the last page, as Paginator.get_page does
        number = last
        again = _run_search_sql(scoped, query, number, page_size, with_facets=False)
        rows = again + [row for row in rows if row[0] not in (_KIND_PAGE, _KIND_TOTAL)]
    return number, rows


def catalog_cache_seconds() -> int:
    """SATUDATA_CATALOG_CACHE_S: how long an anonymous search answer may be reused (0 = never).

    Reuse stops at once when anything audited happens (see `_cache_key`); the time limit only
    bounds changes made outside the services (e.g. a region list reload).
    """
    return int(getattr(settings, "SATUDATA_CATALOG_CACHE_S", 300))


def _cache_key(user, query, number, page_size, with_facets, base, base_key) -> str | None:
    """A cache key for anonymous searches, or None (logged-in users are never served a copy).

    Every change to datasets, versions, topics or organisations goes through a service that
    appends to the audit chain, so the chain's newest hash is the catalogue's generation (a
    hash, not an event id: ids can repeat after a database restore).
    """
    if getattr(user, "is_authenticated", False) or catalog_cache_seconds() <= 0:
        return None
    if base is not None and not base_key:
        return None
    generation = AuditHead.objects.filter(singleton=1).values_list("last_hash", flat=True).first()
    raw = json.dumps(
        [
            generation or "",
            base_key,
            query.terms,
            sorted(query.topics),
            sorted(query.organisations),
            sorted(query.regions),
            sorted(query.years),
            sorted(query.formats),
            query.effective_sort,
            number,
            page_size,
            with_facets,
        ]
    )
    return "catalog:search:" + hashlib.sha256(raw.encode()).hexdigest()


def _run_search_sql(
    scoped: QuerySet, query: CatalogQuery, number: int, page_size: int, with_facets: bool
) -> list[tuple]:
    sql, params = _search_sql(
        scoped,
        query,
        limit=page_size,
        offset=(number - 1) * page_size,
        with_facets=with_facets,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
