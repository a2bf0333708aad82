"""Search text: normalisation, Indonesian stems, the stored index form and the match conditions.

The index is two denormalised columns on Dataset, rebuilt by
`catalog.services.refresh_dataset_index`:

* ``search_text`` — words of the title, description, tags, column names/titles, organisation and
  topic, plus their Indonesian stems (PySastrawi), normalised (lower case, no accents);
* ``search_title`` — the same for the title only, for ranking.

Both are stored as `` word word stem `` (a space before and after every word), so a query term
matches the start of a word (``" pendud"`` finds *penduduk*) and a stem matches a whole stem
(``" duduk "``: *penduduk* finds *kependudukan*, while *perikanan* → ``ikan`` does not find
*pendidikan*). On SQLite the same question is put to an FTS5 index (`catalog/fts.py`); elsewhere
it is plain ``LIKE`` with bound parameters. Both give the same results.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL

from satudata.catalog import fts

SEARCH_MAX_TERMS = 8
SEARCH_TERM_MAX_CHARS = 40
SEARCH_QUERY_MAX_CHARS = 200
# Values shown per facet (the most frequent first); years beyond this span are not expanded.
# Index text longer than this is cut (very long descriptions add little to recall).
SEARCH_TEXT_MAX_CHARS = 20_000

TITLE_WEIGHT = 10
OTHER_WEIGHT = 1

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
