"""SQLite full-text index over the catalogue's search columns (FTS5), kept in sync by triggers.

Why: on SQLite a ``LIKE '% term%'`` has to read and compare every dataset's index text, which is
most of a search request's time at 10,000 datasets. An FTS5 table answers the same question
("which datasets have a word starting with *term*, or the stem *stem*") from an inverted index.

How it stays correct:

* it is an *external-content* FTS5 table over ``catalog_dataset.search_title/search_text``
  (the columns `catalog.services.refresh_dataset_index` writes), updated by three triggers, so
  every write path (ORM save, ``update()``, bulk inserts, the admin, raw SQL) keeps it in sync;
* Django rebuilds a SQLite table to alter it, which drops its triggers; so after every
  ``migrate`` a ``post_migrate`` handler (see `apps.py`) re-creates whatever is missing and
  rebuilds the index;
* when FTS5 is not there (PostgreSQL, or a SQLite built without it) the search uses the plain
  ``LIKE`` conditions instead — same results, slower (see `search.text_filter`).

The match expression is built from normalised terms (``[a-z0-9]+`` only) and passed as a bound
parameter.
"""

from __future__ import annotations

import logging

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

FTS_TABLE = "catalog_dataset_fts"
CONTENT_TABLE = "catalog_dataset"
TRIGGERS = (f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au")
# Column names inside the FTS table (they must equal the content table's column names).
TITLE_COLUMN = "search_title"
TEXT_COLUMN = "search_text"

# Constant DDL (no values are formatted into it); the names match the constants above.
_CREATE_TABLE = """
CREATE VIRTUAL TABLE IF NOT EXISTS catalog_dataset_fts USING fts5(
    search_title, search_text,
    content='catalog_dataset', content_rowid='id',
    tokenize='unicode61', detail='column', prefix='2 3'
)"""
_CREATE_TRIGGERS = (
    """
CREATE TRIGGER IF NOT EXISTS catalog_dataset_fts_ai AFTER INSERT ON catalog_dataset BEGIN
  INSERT INTO catalog_dataset_fts(rowid, search_title, search_text)
  VALUES (new.id, new.search_title, new.search_text);
END""",
    """
CREATE TRIGGER IF NOT EXISTS catalog_dataset_fts_ad AFTER DELETE ON catalog_dataset BEGIN
  INSERT INTO catalog_dataset_fts(catalog_dataset_fts, rowid, search_title, search_text)
  VALUES ('delete', old.id, old.search_title, old.search_text);
END""",
    """
CREATE TRIGGER IF NOT EXISTS catalog_dataset_fts_au
AFTER UPDATE OF search_title, search_text ON catalog_dataset BEGIN
  INSERT INTO catalog_dataset_fts(catalog_dataset_fts, rowid, search_title, search_text)
  VALUES ('delete', old.id, old.search_title, old.search_text);
  INSERT INTO catalog_dataset_fts(rowid, search_title, search_text)
  VALUES (new.id, new.search_title, new.search_text);
END""",
)
_REBUILD = "INSERT INTO catalog_dataset_fts(catalog_dataset_fts) VALUES ('rebuild')"

# (alias, database name) -> whether the index is usable; checked once per process and database.
_available: dict[tuple[str, str], bool] = {}


def _key(connection: BaseDatabaseWrapper) -> tuple[str, str]:
    return connection.alias, str(connection.settings_dict.get("NAME"))


def _sqlite_has_fts5(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA compile_options")
        return any("ENABLE_FTS5" in row[0] for row in cursor.fetchall())


def _existing(connection: BaseDatabaseWrapper) -> set[str]:
    names = (FTS_TABLE, *TRIGGERS)
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name FROM sqlite_master WHERE name IN ({placeholders})",  # noqa: S608
            list(names),
        )
        return {row[0] for row in cursor.fetchall()}


def ensure_index(using: str = "default") -> bool:
    """Create the FTS table and triggers where missing and rebuild the index; True if in use.

    Safe to call any number of times (it is called after every ``migrate``).
    """
    connection = connections[using]
    _available.pop(_key(connection), None)
    if connection.vendor != "sqlite":
        return False
    if CONTENT_TABLE not in connection.introspection.table_names():
        return False
    if not _sqlite_has_fts5(connection):
        logger.warning("SQLite has no FTS5: catalogue search falls back to LIKE (slower).")
        return False
    existing = _existing(connection)
    with connection.cursor() as cursor:
        cursor.execute(_CREATE_TABLE)
        for statement in _CREATE_TRIGGERS:
            cursor.execute(statement)
        if existing != {FTS_TABLE, *TRIGGERS}:
            # Something was missing (first run, or a table rebuild dropped the triggers): the
            # index may not match the table any more, so read it again from the table.
            cursor.execute(_REBUILD)
    _available[_key(connection)] = True
    return True


def is_available(using: str = "default") -> bool:
    """Whether searches on this database can use the FTS index (one cheap check per process)."""
    connection = connections[using]
    key = _key(connection)
    if key not in _available:
        _available[key] = connection.vendor == "sqlite" and _existing(connection) == {
            FTS_TABLE,
            *TRIGGERS,
        }
    return _available[key]


def forget() -> None:
    """Drop the cached availability (tests that switch the index off and on)."""
    _available.clear()


def match_expression(terms: list[list[str]], column: str | None = None) -> str:
    """An FTS5 query: every group must match; inside a group, any alternative.

    Each alternative is ``("prefix", True)``-style text built by `search.py`: a word start is
    ``"term"*``, an exact stem ``"stem"``. `column` limits the match to one column.
    """
    groups = ["(" + " OR ".join(group) + ")" for group in terms if group]
    expression = " AND ".join(groups)
    if column:
        return f"{column} : ({expression})"
    return expression


def post_migrate_handler(sender, using: str = "default", **kwargs) -> None:
    """Connected in CatalogConfig.ready(): keep the index after every migration."""
    ensure_index(using)
