"""The catalogue page in one SQL statement: count, facets and one page of ids (plus a cache).

A catalogue page needs the result count, five facets and one page of ids. Asked one by one, each
of those scans the datasets and evaluates the text condition again (seven scans: about 200 ms
over 10,000 datasets on SQLite). Instead the permission-scoped, filtered ORM queryset is compiled
by Django (bound parameters; no visitor input is formatted into SQL) and wrapped in a common table
expression ``m``; the count, the page and the facets are ``UNION ALL`` branches over it. When
finding the matches is costly (text or region filter) ``m`` is materialised once; otherwise each
branch reads the visibility-prefixed indexes directly. The same SQL runs on SQLite (>= 3.35) and
PostgreSQL (>= 12).

Anonymous answers are cached until the audit chain moves (`_cache_key`); the page's rows are
always read again through `visible_to`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.functions import Lower

from satudata.catalog.models import Dataset
from satudata.catalog.search.filters import (
    FACET_MAX_VALUES,
    FACET_YEAR_SPAN_MAX,
    PARAM_FORMAT,
    PARAM_ORGANISATION,
    PARAM_REGION,
    PARAM_TOPIC,
    PARAM_YEAR,
    SORT_NAME,
    SORT_RELEVANCE,
    CatalogQuery,
    FacetValue,
    apply_filters,
    for_listing,
    keep_selected,
    most_frequent,
)
from satudata.catalog.search.text import relevance
from satudata.core.models import AuditHead

# Row kinds of the statement: (kind, key, label, label2, number).
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
        FacetValue(fmt, fmt, n, fmt in query.formats)
        for fmt, n in most_frequent(formats, FACET_MAX_VALUES)
    ]
    for values, selected in (
        (topics, query.topics),
        (organisations, query.organisations),
        (regions, query.regions),
        (year_values, sorted(selected_years)),
        (format_values, query.formats),
    ):
        keep_selected(values, selected, {})
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
