"""What the source database has: tables and columns, read once from information_schema.

OpenSID changes its schema between releases (columns added such as `marga`, `is_historical`;
older releases before the combined "gabungan" database have no `config_id`). The statistics ask
this object whether a column is there and degrade, or stop with a `SourceError` that names the
missing table and column, instead of failing later on an SQL error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from satudata.connectors.types.base import SourceError

# Every table the connector may read. Only these are introspected.
TABLES_READ = (
    "config",
    "tweb_wil_clusterdesa",
    "tweb_penduduk",
    "tweb_keluarga",
    "tweb_rtm",
    "program",
    "program_peserta",
    "log_penduduk",
    "tweb_penduduk_sex",
    "tweb_penduduk_agama",
    "tweb_penduduk_pendidikan_kk",
    "tweb_penduduk_pendidikan",
    "tweb_penduduk_pekerjaan",
    "tweb_penduduk_kawin",
    "tweb_penduduk_hubungan",
    "tweb_penduduk_warganegara",
    "tweb_golongan_darah",
)


@dataclass(frozen=True)
class SourceSchema:
    """Columns per table as the connected user sees them (absent table = not in the dict)."""

    columns: dict[str, frozenset[str]]

    def has_table(self, table: str) -> bool:
        return table in self.columns

    def has(self, table: str, column: str) -> bool:
        return column in self.columns.get(table, frozenset())

    @property
    def multi_village(self) -> bool:
        """A database that carries `config_id` (OpenSID ≥ the 2023 "gabungan" change). Older
        single-village databases have none: everything belongs to the one `config` row."""
        return self.has("tweb_penduduk", "config_id")

    def require(self, table: str, columns: Iterable[str], purpose: str) -> None:
        """Raise a `SourceError` naming the table/columns that `purpose` needs but are absent."""
        if not self.has_table(table):
            raise SourceError(
                _(
                    "OpenSID table %(table)s is missing or not readable by this account "
                    "(needed for %(purpose)s)."
                )
                % {"table": table, "purpose": purpose},
                code="opensid-missing-table",
                details={"table": table, "purpose": purpose},
            )
        missing = sorted(set(columns) - self.columns[table])
        if missing:
            names = ", ".join(f"{table}.{column}" for column in missing)
            raise SourceError(
                _(
                    "OpenSID column %(columns)s is missing (needed for %(purpose)s): this "
                    "OpenSID version is not supported for it."
                )
                % {"columns": names, "purpose": purpose},
                code="opensid-missing-column",
                details={"table": table, "columns": missing, "purpose": purpose},
            )

    def village_column(self, table: str, alias: str) -> str:
        """SQL for the village id of `alias` (a literal 1 in a single-village database)."""
        if self.has(table, "config_id"):
            return f"{alias}.config_id"
        return "1"


def read_schema(cursor) -> SourceSchema:
    """Introspect the current database (one query on information_schema)."""
    placeholders = ", ".join(["%s"] * len(TABLES_READ))
    cursor.execute(
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "  # noqa: S608
        f"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({placeholders})",
        TABLES_READ,
    )
    found: dict[str, set[str]] = {}
    for table, column in cursor.fetchall():
        # information_schema may answer in upper case on some servers (lower_case_table_names).
        found.setdefault(str(table).lower(), set()).add(str(column).lower())
    return SourceSchema({table: frozenset(cols) for table, cols in found.items()})
