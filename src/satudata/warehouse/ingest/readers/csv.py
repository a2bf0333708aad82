"""CSV/TSV reader: DuckDB `read_csv` with every column as text (`all_varchar`); typing comes later.

Rows with too many or too few cells are collected by DuckDB's reject tables (vectorised, no
Python loop over rows) and reported as `extra-cell` / `missing-cell` with their line numbers.
"""

from __future__ import annotations

import csv as pycsv
import io

import duckdb
from django.utils.translation import gettext as _

from satudata.warehouse.ingest.readers import RAW_TABLE, ROW_COLUMN, TableRead, register
from satudata.warehouse.ingest.report import Report, fail
from satudata.warehouse.ingest.sniff import HEAD_BYTES, Sniffed

# DuckDB's bound on one line (it also bounds one cell); larger lines are reported, not read.
MAX_LINE_BYTES = 8 * 1024 * 1024

REJECT_TYPES = {
    "TOO MANY COLUMNS": "extra-cell",
    "MISSING COLUMNS": "missing-cell",
    "INVALID UNICODE": "encoding-error",
    "UNQUOTED VALUE": "source-error",
    "LINE SIZE OVER MAXIMUM": "source-error",
}


def _header_width(sniffed: Sniffed) -> int:
    with sniffed.text_path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        head = handle.read(HEAD_BYTES)
    for row in pycsv.reader(io.StringIO(head), delimiter=sniffed.delimiter or ","):
        if row:  # DuckDB skips empty lines too, so both agree on the first record
            return len(row)
    return 0


def _reject_message(kind: str, line: int, expected: int, raw_line: str) -> str:
    found = None
    if raw_line is not None:
        found = len(next(pycsv.reader(io.StringIO(raw_line)), []))
    if kind == "extra-cell":
        return _("Row %(row)d has more cells (%(found)s) than the header has columns (%(n)d).") % {
            "row": line,
            "found": found if found is not None else "?",
            "n": expected,
        }
    if kind == "missing-cell":
        return _("Row %(row)d has fewer cells (%(found)s) than the header has columns (%(n)d).") % {
            "row": line,
            "found": found if found is not None else "?",
            "n": expected,
        }
    if kind == "encoding-error":
        return _("Row %(row)d contains bytes that are not valid text.") % {"row": line}
    return _("Row %(row)d could not be read (a quote is not closed, or the line is too long).") % {
        "row": line
    }


def _report_rejects(con: duckdb.DuckDBPyConnection, width: int, report: Report) -> None:
    rows = con.execute(
        "SELECT line, error_type, csv_line FROM reject_errors ORDER BY line LIMIT 1000"
    ).fetchall()
    total = con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()[0]
    seen: set[int] = set()
    for line, error_type, raw_line in rows:
        if line in seen:
            continue
        seen.add(line)
        kind = REJECT_TYPES.get(str(error_type), "source-error")
        report.error(kind, _reject_message(kind, int(line), width, raw_line), row=int(line))
    if total > len(seen):
        report.error_count += total - len(seen)


@register("csv")
def read_csv(con: duckdb.DuckDBPyConnection, sniffed: Sniffed, report: Report) -> TableRead:
    width = _header_width(sniffed)
    if width == 0:
        raise fail("source-error", _("The file has no header row."))
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    con.execute(
        f"""
        CREATE TEMP TABLE csv_cells AS
        SELECT * FROM read_csv(
            ?, header = false, auto_detect = false, all_varchar = true,
            delim = ?, quote = '"', escape = '"', columns = {columns},
            max_line_size = {MAX_LINE_BYTES}, store_rejects = true
        )
        """,  # noqa: S608 - `columns` is built from generated names c0…cN only
        [str(sniffed.text_path), sniffed.delimiter or ","],
    )
    _report_rejects(con, width, report)
    # Insertion order is file order, so rowid + 1 is the row number (header = row 1); it travels
    # with each row, and the Parquet writer orders by it.
    con.execute(
        f"CREATE TEMP TABLE {RAW_TABLE} AS "  # noqa: S608 - fixed names
        f"SELECT rowid + 1 AS {ROW_COLUMN}, * FROM csv_cells"
    )
    con.execute("DROP TABLE csv_cells")
    header = con.execute(f"SELECT * FROM {RAW_TABLE} WHERE {ROW_COLUMN} = 1").fetchone()  # noqa: S608
    con.execute(f"DELETE FROM {RAW_TABLE} WHERE {ROW_COLUMN} = 1")  # noqa: S608
    labels = list(header[1:]) if header else [None] * width
    return TableRead(labels=labels)
