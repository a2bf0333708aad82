"""CSV/TSV reader: DuckDB `read_csv` with every column as text (`all_varchar`); typing comes later.

The file streams straight into DuckDB (no Python loop over rows). Only the first rows are parsed
in Python, to find the header block (title rows, multi-row headers — header.py); DuckDB then
skips those lines. Rows with too many or too few cells are collected by DuckDB's reject tables
and reported as `extra-cell` / `missing-cell` with their line numbers.
"""

from __future__ import annotations

import csv as pycsv
import io
import mmap

import duckdb
from django.utils.translation import gettext as _

from satudata.warehouse.engine import quote_literal
from satudata.warehouse.ingest.header import (
    HEADER_SCAN_ROWS,
    detect_header,
    format_header_rows,
    parse_header_rows,
)
from satudata.warehouse.ingest.readers import (
    RAW_TABLE,
    ROW_COLUMN,
    TableRead,
    check_cell_lengths,
    register,
)
from satudata.warehouse.ingest.report import Report, fail
from satudata.warehouse.ingest.sniff import HEAD_BYTES, Sniffed

EMPTY_LINE_MARKS = (b"\n\n", b"\n\r\n")
SOURCE_VIEW = "csv_source"
# DuckDB's bound on one line (it also bounds one cell); larger lines are reported, not read.
MAX_LINE_BYTES = 8 * 1024 * 1024

REJECT_TYPES = {
    "TOO MANY COLUMNS": "extra-cell",
    "MISSING COLUMNS": "missing-cell",
    "INVALID UNICODE": "encoding-error",
    "UNQUOTED VALUE": "source-error",
    "LINE SIZE OVER MAXIMUM": "source-error",
}


def _head_records(sniffed: Sniffed) -> tuple[list[list[str]], list[int]]:
    """The first records of the file and, for each, the physical line it ends on."""
    with sniffed.text_path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        head = handle.read(HEAD_BYTES)
    complete = head.rsplit("\n", 1)[0] + "\n" if len(head) == HEAD_BYTES and "\n" in head else head
    reader = pycsv.reader(io.StringIO(complete), delimiter=sniffed.delimiter or ",")
    rows: list[list[str]] = []
    ends: list[int] = []
    try:
        for row in reader:
            rows.append(row)
            ends.append(reader.line_num)
            if len(rows) >= HEADER_SCAN_ROWS:
                break
    except pycsv.Error:
        pass  # a broken quote in the sample: DuckDB reports it with its line
    return rows, ends


def _cell_count(raw_line: str | None, delimiter: str) -> int | None:
    if raw_line is None:
        return None
    return len(next(pycsv.reader(io.StringIO(raw_line), delimiter=delimiter), []))


def _reject_message(kind: str, line: int, expected: int, raw_line: str, delimiter: str) -> str:
    found = _cell_count(raw_line, delimiter)
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


def _report_rejects(
    con: duckdb.DuckDBPyConnection, width: int, report: Report, delimiter: str
) -> None:
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
        # How many cells the row has: the validator names the missing/extra ones (pipeline.py).
        found = _cell_count(raw_line, delimiter) if kind in ("missing-cell", "extra-cell") else None
        report.error(
            kind,
            _reject_message(kind, int(line), width, raw_line, delimiter),
            row=int(line),
            params={"found": found, "expected": width} if found is not None else None,
        )
    if total > len(seen):
        report.error_count += total - len(seen)


def _has_empty_line(path) -> bool:
    """A fast byte search (the file is mapped, not read into Python) for an empty line."""
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        # One scan: the line ending of the first line says which mark an empty line has.
        first_end = data.find(b"\n")
        crlf = first_end > 0 and data[first_end - 1 : first_end] == b"\r"
        return data.find(EMPTY_LINE_MARKS[1] if crlf else EMPTY_LINE_MARKS[0]) != -1


def _count_empty_lines(
    con: duckdb.DuckDBPyConnection, sniffed: Sniffed, header_records: int, report: Report
) -> None:
    """DuckDB skips empty lines; a spreadsheet (and frictionless) counts them as rows. When the
    file has any, the row numbers after each are moved on by one and the lines are reported as
    blank rows — so every row number in the report is the one the produsen sees."""
    if not _has_empty_line(sniffed.text_path):
        return
    empty: list[int] = []
    with sniffed.text_path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        reader = pycsv.reader(handle, delimiter=sniffed.delimiter or ",")
        try:
            for number, record in enumerate(reader, start=1):
                if number > header_records and not record:
                    empty.append(number)
        except pycsv.Error:
            return  # a broken quote: DuckDB has reported it already
    if not empty:
        return  # the blank lines were inside quoted cells
    # The k-th empty line (0-based) at row e moves every row numbered e - k or more by one.
    con.execute("CREATE TEMP TABLE csv_empty_lines (threshold BIGINT)")
    con.executemany(
        "INSERT INTO csv_empty_lines VALUES (?)", [(e - k,) for k, e in enumerate(empty)]
    )
    con.execute(
        f"UPDATE {RAW_TABLE} SET {ROW_COLUMN} = {ROW_COLUMN} + ("  # noqa: S608 - fixed names
        f"SELECT count(*) FROM csv_empty_lines WHERE threshold <= {RAW_TABLE}.{ROW_COLUMN})"
    )
    con.execute("DROP TABLE csv_empty_lines")
    for row in empty:
        report.warning(
            "blank-row",
            _("Row %(row)s is empty; it was left out.") % {"row": row},
            row=row,
            params={},
        )


def _header_block(sniffed: Sniffed, rows: list[list[str]]):
    content = [row for row in rows if any(cell.strip() for cell in row)]
    if not content:
        raise fail("source-error", _("The file has no header row."))
    if sniffed.options.header_rows:
        first, last = parse_header_rows(sniffed.options.header_rows)
        width = len(rows[min(last, len(rows)) - 1]) if rows else 0
        return detect_header(rows, width, requested=(first - 1, last - 1)), width
    # The widest common row shape decides where the header is; the header's last row then
    # fixes the number of columns (as a one-row header always did).
    widths = [len(row) for row in content]
    sample_width = max(set(widths), key=widths.count)
    block = detect_header(rows, sample_width)
    return block, len(rows[block.last])


@register("csv")
def read_csv(con: duckdb.DuckDBPyConnection, sniffed: Sniffed, report: Report) -> TableRead:
    rows, ends = _head_records(sniffed)
    block, width = _header_block(sniffed, rows)
    if width == 0:
        raise fail("source-error", _("The file has no header row."))
    labels = list(block.labels) + [None] * (width - len(block.labels))
    labels = labels[:width]
    skip_lines = ends[block.last]
    delimiter = sniffed.delimiter or ","
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    # Insertion order is file order, so the row number (a one-row header is row 1) is counted
    # while reading: row_number() OVER () streams. It travels with each row.
    first_data_row = block.last + 2
    source = (
        f"SELECT row_number() OVER () + {int(first_data_row) - 1} AS {ROW_COLUMN}, * "  # noqa: S608
        f"FROM read_csv({quote_literal(str(sniffed.text_path))}, header = false, "
        f"auto_detect = false, all_varchar = true, delim = {quote_literal(delimiter)}, "
        f"quote = '\"', escape = '\"', columns = {columns}, skip = {int(skip_lines)}, "
        f"max_line_size = {MAX_LINE_BYTES}, store_rejects = true)"
    )
    sniffed.choices["header_rows"] = format_header_rows(block.first + 1, block.last + 1)
    if block.titles:
        sniffed.choices["titles"] = block.titles
    if _has_empty_line(sniffed.text_path):
        # Empty lines shift the row numbers: read into a table now and renumber it.
        con.execute(f"CREATE TEMP TABLE {RAW_TABLE} AS {source}")
        _report_rejects(con, width, report, delimiter)
        _count_empty_lines(con, sniffed, block.last + 1, report)
        table_read = TableRead(labels=labels)
        check_cell_lengths(con, table_read, report)
        return table_read
    # Otherwise the rows stay in the file until somebody needs them in a table (see TableRead).
    con.execute(f"CREATE TEMP VIEW {SOURCE_VIEW} AS {source}")
    table_read = TableRead(labels=labels, table=SOURCE_VIEW)
    reported = []

    def after_scan() -> None:
        if not reported:
            reported.append(True)
            _report_rejects(con, width, report, delimiter)

    def materialize() -> None:
        con.execute(f"CREATE TEMP TABLE {RAW_TABLE} AS SELECT * FROM {SOURCE_VIEW}")  # noqa: S608
        after_scan()
        table_read.table, table_read.materialize = RAW_TABLE, None
        check_cell_lengths(con, table_read, report)

    table_read.materialize, table_read.after_scan = materialize, after_scan
    return table_read
