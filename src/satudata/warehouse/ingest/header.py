"""The header: which top rows hold the column names, how they combine, and field names from them.

**Header rows.** Spreadsheet exports often start with title rows and spread one column name
over several rows. The BPS website export, for example, has four: the stub label
(`Kota dan Kecamatan`), a caption over the data columns, the column names and the year::

    Kota dan Kecamatan,,,
    ,Kepadatan Penduduk menurut Kecamatan di Kota Bandung (Jiwa/ha),,
    ,Jumlah Penduduk,Luas Wilayah (ha),Kepadatan (jiwa/ha)
    ,2022,2022,2022
    Bandung Kulon,136622,695,197

`detect_header` looks at the first rows only (`HEADER_SCAN_ROWS`): the header ends at the first
*dense* row (at least half the columns filled) or below it, and data starts at the first row
whose cells look like the rows under it — a text cell over a numeric column, or an empty cell
where data is never empty (the year row above), still belongs to the header. The header rows
are then combined per column from top to bottom (`Jumlah Penduduk 2022`):

- a cell with nothing under it in the header is the column's own label (`Kota dan Kecamatan`,
  a vertically merged stub);
- a cell with more labels under it is a group label over its sub-columns: over the cells its
  merged range covers (XLSX/XLS), or, without merge information (CSV, ODS), up to the next
  filled cell of its row (`Penduduk` over `L`, `P` → `Penduduk L`, `Penduduk P`);
- a row with one long text (`TITLE_MIN_CHARS`), or with one text above the first column's own
  label, is a title: left out of the names and returned so it can be shown.

The user can always impose the header rows (`ReadOptions.header_rows`, e.g. "3-4").

**Field names.** Blank labels get a name (`field3`), repeated labels a suffix. Both are reported
as warnings (`blank-header`, `duplicate-label`) so the produsen can fix the file; names are
otherwise kept exactly as written (only surrounding spaces are trimmed and inner runs of spaces
collapsed), because users recognise their own column names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from satudata.warehouse.ingest.report import Report, fail

NAME_MAX_CHARS = 120
HEADER_SCAN_ROWS = 40
MAX_HEADER_ROWS = 10
# Rows under a candidate first data row that it is compared with.
COMPARE_ROWS = 20
TITLE_MIN_CHARS = 40

# Cells that stand for "no value" in statistical tables (BPS: "-" nil, "..." not available).
PLACEHOLDER_CELLS = frozenset({"-", "\u2013", "\u2014", "...", "\u2026", "--"})
_NUMBER_LIKE_RE = re.compile(
    r"^\s*(?:rp\.?\s*)?[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?\s*%?\s*$", re.IGNORECASE
)
_HEADER_ROWS_RE = re.compile(r"^\s*(\d{1,4})\s*(?:[-\u2013:]\s*(\d{1,4}))?\s*$")

EMPTY, NUMBER, TEXT = "E", "N", "T"

Cell = str | None
Merge = tuple[tuple[int, int], tuple[int, int]]  # ((row0, col0), (row1, col1)), inclusive


@dataclass
class HeaderBlock:
    """The header found in a sample of rows (indexes are positions in that sample)."""

    first: int  # first header row
    last: int  # last header row; data starts at last + 1
    labels: list[str | None]
    titles: list[str] = field(default_factory=list)


def cell_kind(value: Cell) -> str:
    text = (value or "").strip()
    if not text or text in PLACEHOLDER_CELLS:
        return EMPTY
    return NUMBER if _NUMBER_LIKE_RE.match(text) else TEXT


def _filled(row: Sequence[Cell]) -> list[int]:
    return [index for index, value in enumerate(row) if (value or "").strip()]


def parse_header_rows(value: str) -> tuple[int, int]:
    """ "3" → (3, 3); "1-4" → (1, 4) (1-based rows); anything else is a clear error."""
    match = _HEADER_ROWS_RE.match(str(value or ""))
    first = int(match.group(1)) if match else 0
    last = int(match.group(2) or first) if match else 0
    if not match or first < 1 or last < first or last - first >= MAX_HEADER_ROWS:
        raise fail(
            "source-error",
            _(
                "Header rows must be a row number or a range such as “1” or “3-4” (at most"
                " %(max)d rows), not “%(value)s”."
            )
            % {"max": MAX_HEADER_ROWS, "value": value},
        )
    return first, last


def format_header_rows(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _compatible(
    row: Sequence[Cell], below: list[Sequence[Cell]], width: int, dense: Sequence[Cell]
) -> bool:
    """Does `row` look like the data rows under it (rather than one more header row)?

    Two shapes mark a header row: an empty cell where the data is never empty and the column's
    label row is empty too (a label merged down from above, like the BPS year row); or names
    over numeric columns with no number among them (`L, P` under `Penduduk`). A data row with
    one text cell in a numeric column (`n/a`) still has its other numbers, so it stays data.
    """
    if not below:
        return True
    texts_over_numbers = numbers_over_numbers = 0
    gap_under_label = fills_unlabelled = False
    for column in range(width):
        kind = cell_kind(row[column] if column < len(row) else None)
        kinds_below = {cell_kind(r[column] if column < len(r) else None) for r in below}
        label_above = cell_kind(dense[column] if column < len(dense) else None)
        if kind == EMPTY and EMPTY not in kinds_below:
            if label_above == EMPTY:
                return False
            gap_under_label = True
        if kind != EMPTY and label_above == EMPTY:
            fills_unlabelled = True
        if NUMBER in kinds_below and kinds_below <= {NUMBER, EMPTY}:
            texts_over_numbers += kind == TEXT
            numbers_over_numbers += kind == NUMBER
    if gap_under_label and fills_unlabelled:
        return False  # `,,2022,2023` under `Kecamatan,Kode,Penduduk,`: sub-labels, not data
    return not (texts_over_numbers and not numbers_over_numbers)


def _merged_from_above(merges: list[Merge] | None, row: int) -> bool:
    """Is a cell of `row` covered by a merged range that starts in a row above?"""
    return any(row0 < row <= row1 for (row0, _c0), (row1, _c1) in merges or [])


def _data_start(
    rows: list[Sequence[Cell]], first_dense: int, width: int, merges: list[Merge] | None = None
) -> int:
    limit = min(len(rows), first_dense + 1 + MAX_HEADER_ROWS)
    for start in range(first_dense + 1, limit):
        if not _filled(rows[start]) or _merged_from_above(merges, start):
            continue  # a blank line, or a row under a header cell merged downwards
        below = [r for r in rows[start + 1 : start + 1 + COMPARE_ROWS] if _filled(r)]
        if _compatible(rows[start], below, width, rows[first_dense]):
            return start
    return min(first_dense + 1, len(rows))


def _is_title(row: Sequence[Cell], index: int, header: list[Sequence[Cell]], width: int) -> bool:
    filled = _filled(row)
    if len(filled) != 1 or width < 2:
        return False
    column = filled[0]
    text = (row[column] or "").strip()
    if len(text) >= TITLE_MIN_CHARS:
        return True
    has_label_below = any(
        column < len(lower) and (lower[column] or "").strip() for lower in header[index + 1 :]
    )
    return column == 0 and has_label_below


def _span_by_merge(merges: list[Merge], row: int, column: int) -> int | None:
    """Last column of the merged range whose top-left cell is (row, column), if any."""
    for (row0, col0), (_row1, col1) in merges:
        if row0 == row and col0 == column:
            return col1
    return None


def combine_labels(
    header: list[Sequence[Cell]], width: int, merges: list[Merge] | None = None
) -> tuple[list[str | None], list[str]]:
    """Column labels from the header rows (top to bottom), and the title rows left out."""
    titles: list[str] = []
    rows: list[list[str]] = []
    for index, row in enumerate(header):
        cells = [" ".join(str(row[c] or "").split()) if c < len(row) else "" for c in range(width)]
        if _is_title(row, index, header, width):
            titles.append(next(cell for cell in cells if cell))
            rows.append([""] * width)
        else:
            rows.append(cells)
    parts: list[list[str]] = [[] for _ in range(width)]
    for r, cells in enumerate(rows):
        column = 0
        while column < width:
            value = cells[column]
            if not value:
                column += 1
                continue
            below = [rows[k][column] for k in range(r + 1, len(rows))]
            end = column
            if any(below):  # a group label: spread over its sub-columns
                merged_end = _span_by_merge(merges, r, column) if merges is not None else None
                if merged_end is not None:
                    end = min(merged_end, width - 1)
                elif merges is None:
                    end = column
                    while end + 1 < width and not cells[end + 1]:
                        end += 1
            for target in range(column, end + 1):
                if not parts[target] or parts[target][-1] != value:
                    parts[target].append(value)
            column = end + 1 if end > column else column + 1
    # Vertically merged cells (XLSX) repeat their label in every row they cover.
    labels = [" ".join(dict.fromkeys(p)) if p else None for p in parts]
    return labels, titles


def detect_header(
    rows: list[Sequence[Cell]],
    width: int,
    *,
    merges: list[Merge] | None = None,
    requested: tuple[int, int] | None = None,
) -> HeaderBlock:
    """Find the header block in the first rows (`requested` = sample positions, 0-based)."""
    if requested is not None:
        first, last = requested
        if last >= len(rows):
            raise fail(
                "source-error",
                _("The header rows asked for go beyond the rows in the file."),
            )
        labels, titles = combine_labels(rows[first : last + 1], width, _shift(merges, first))
        return HeaderBlock(first=first, last=last, labels=labels, titles=titles)
    content = [index for index, row in enumerate(rows) if _filled(row)]
    if not content:
        return HeaderBlock(first=0, last=0, labels=[None] * width)
    first = content[0]
    threshold = 1 if width == 1 else max(2, math.ceil(width / 2))
    first_dense = next(
        (i for i in content if i <= first + MAX_HEADER_ROWS and len(_filled(rows[i])) >= threshold),
        first,
    )
    start = _data_start(rows, first_dense, width, merges)
    last = max(first, start - 1)
    labels, titles = combine_labels(rows[first : last + 1], width, _shift(merges, first))
    return HeaderBlock(first=first, last=last, labels=labels, titles=titles)


def _shift(merges: list[Merge] | None, offset: int) -> list[Merge] | None:
    if merges is None:
        return None
    return [((r0 - offset, c0), (r1 - offset, c1)) for (r0, c0), (r1, c1) in merges]


def field_names(labels: list[str | None], report: Report) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for position, label in enumerate(labels, start=1):
        name = " ".join((label or "").split())[:NAME_MAX_CHARS]
        if not name:
            name = f"field{position}"
            report.warning(
                "blank-header",
                _("Column %(n)d has no name; it was called “%(name)s”.")
                % {"n": position, "name": name},
                row=1,
                field=name,
            )
        if name.casefold() in seen:
            base, suffix = name, 2
            while f"{base}_{suffix}".casefold() in seen:
                suffix += 1
            name = f"{base}_{suffix}"
            report.warning(
                "duplicate-label",
                _(
                    "The column name “%(label)s” is used more than once; column %(n)d was"
                    " renamed “%(name)s”."
                )
                % {"label": base, "n": position, "name": name},
                row=1,
                field=name,
            )
        seen.add(name.casefold())
        names.append(name)
    return names
