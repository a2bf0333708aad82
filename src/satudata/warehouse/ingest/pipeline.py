"""The ingest pipeline (DESIGN §2): receive → sniff → read → name fields → schema (given,
previous or inferred) → validate → Parquet (+ the rows with problems).

One function, `process()`, shared by every entry point (web upload, CLI, API, connectors). It only
writes inside a scratch folder; the service decides what becomes a version and commits the blobs.

A file that cannot be read as a table (binary, broken encoding, ragged rows, a schema that does
not fit its header) is refused: `ValidationFailed` with the report. A readable file always
becomes a version; its validation errors (type, constraint, key…) are in the report, the rows with
problems in `issues_path`, and such a version cannot be published (services.publish_version).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from satudata.warehouse import engine
from satudata.warehouse.ingest.header import field_names
from satudata.warehouse.ingest.infer import decimal_mark, infer_schema
from satudata.warehouse.ingest.readers import ROW_COLUMN, reader_for
from satudata.warehouse.ingest.receive import Received
from satudata.warehouse.ingest.report import Report, fail
from satudata.warehouse.ingest.sniff import ReadOptions, Sniffed, sniff
from satudata.warehouse.schema import choose_schema, normalise_schema
from satudata.warehouse.validation import labels as schema_labels
from satudata.warehouse.validation import run as validation
from satudata.warehouse.validation.context import PreviousVersion
from satudata.warehouse.validation.issues import write_issues
from satudata.warehouse.validation.schema import schema_problems
from satudata.warehouse.validation.vocabulary import message as problem_message


@dataclass
class IngestOutcome:
    sniffed: Sniffed
    table_schema: dict[str, Any]
    report: dict[str, Any]
    row_count: int
    column_count: int
    parquet_path: Path
    is_spatial: bool
    # The rows with validation problems (validation/issues.py), None when there are none.
    issues_path: Path | None = None

    @property
    def source_format(self) -> str:
        return self.sniffed.format

    @property
    def encoding_label(self) -> str:
        return self.sniffed.encoding_label

    @property
    def choices(self) -> dict[str, Any]:
        """The reading choices made (detected or imposed), kept with the version."""
        return self.sniffed.choices


def _cells_named(report: Report, labels: list[str | None]) -> Report:
    """A reader's ragged-row problems, one per missing or extra cell (as frictionless lists
    them): a missing cell names its column, an extra cell has none."""
    names = field_names(labels, Report())
    named = Report()
    for item in report.errors:
        params = item.get("params") or {}
        found, expected = params.get("found"), params.get("expected")
        where = {"row": item.get("row"), "cell": item.get("cell"), "params": params}
        if item["type"] == "missing-cell" and found is not None and found < expected:
            for name in names[found:expected]:
                named.error("missing-cell", item["message"], field=name, **where)
        elif item["type"] == "extra-cell" and found is not None and found > expected:
            for _position in range(expected, found):
                named.error("extra-cell", item["message"], **where)
        else:
            named.error(item["type"], item["message"], field=item.get("field"), **where)
    # Rows beyond the reader's listing were counted, not listed: keep them counted.
    named.error_count += max(0, report.error_count - len(report.errors))
    return named


def _materializer(table_read) -> Callable[[], str]:
    def materialize() -> str:
        table_read.materialize()
        return table_read.table

    return materialize


def _require_rows(count: int) -> None:
    if not count:
        raise fail("source-error", _("The file has column names but no data rows."), row=2)


def _given_schema(
    schema: dict[str, Any], header_labels: list[str | None], names: list[str], columns: list[str]
) -> tuple[dict[str, Any], list[str | None]]:
    """A schema the user gave, checked, and the source column of each of its fields.

    A schema that does not fit the header (frictionless label errors: `incorrect-label`,
    `missing-label`, `extra-label`) refuses the file, with each label problem in the report."""
    checked = normalise_schema(schema)
    problems = schema_problems(checked)
    if problems:
        raise fail("schema-error", " ".join(problems))
    binding = schema_labels.bind(checked, header_labels, columns, names=names)
    if binding.problems:
        report = Report()
        for kind, params, field in binding.problems:
            report.error(kind, problem_message(kind, params), field=field, params=params)
        raise report.reject()
    return checked, binding.columns


def process(
    received: Received,
    workdir: Path,
    *,
    options: ReadOptions | dict | None = None,
    schema: dict[str, Any] | None = None,
    reuse_schema: dict[str, Any] | None = None,
    on_stage: Callable[[str], None] | None = None,
    previous: PreviousVersion | None = None,
) -> IngestOutcome:
    """Turn received bytes into a typed Parquet file, a Table Schema and a validation report.

    `options` impose reading choices (sniff.ReadOptions); `schema` is a Table Schema to use
    instead of inference (its fields are the file's columns — in order, or all of them in another
    order); `reuse_schema` (the previous version's) is used when its fields are exactly the file's
    columns, else inference runs. `previous` is the version to compare with (zero-value check).
    `on_stage` hears "reading", "validating" and "writing" as the work moves on.
    Raises `ValidationFailed` (with the report in `details["report"]`) when the file cannot
    become a version.
    """
    stage = on_stage or (lambda _name: None)
    stage("reading")
    sniffed = sniff(received, workdir, options)
    report = Report()
    con = engine.connect(temp_dir=workdir)
    try:
        table_read = reader_for(sniffed.format)(con, sniffed, report)
        if not report.valid:
            raise _cells_named(report, table_read.labels).reject()
        columns = table_read.cell_columns
        names = field_names(table_read.labels, report)
        stage("validating")
        field_columns: list[str | None] = list(columns)
        if schema is not None:
            schema, field_columns = _given_schema(schema, table_read.labels, names, columns)
            sniffed.choices["schema"] = "given"
        else:
            schema = choose_schema(None, reuse_schema, names, sniffed.choices)
        if schema is None and table_read.lazy:
            table_read.materialize()  # inference reads every cell
            if not report.valid:
                raise _cells_named(report, table_read.labels).reject()
        lazy = table_read.lazy
        ctx = validation.prepare(
            con,
            table_read.table,
            ROW_COLUMN,
            field_columns,
            names,
            schema,
            report,
            previous=previous,
            materialize=_materializer(table_read) if lazy else None,
            after_scan=table_read.after_scan if lazy else None,
            schema_source=sniffed.choices.get("schema", "given"),
        )
        if not lazy:
            _require_rows(ctx.scalar(f"SELECT count(*) FROM {ctx.table}"))  # noqa: S608
        if schema is None:
            ctx.schema = infer_schema(
                con, ctx.table, columns, names, report, decimal=sniffed.options.decimal
            )
        schema = ctx.schema
        if mark := decimal_mark(schema):
            sniffed.choices.setdefault("decimal", mark)
        parquet_path = workdir / "version.parquet"
        try:
            validation.validate(ctx, parquet_path)
        except validation.SourceRejected:
            raise _cells_named(report, table_read.labels).reject() from None
        row_count = int(ctx.row_count or 0)
        _require_rows(row_count)
        report.rows, report.fields = row_count, len(schema["fields"])
        stage("writing")
        issues_path = workdir / "issues.parquet"
        if not write_issues(ctx, issues_path):
            issues_path = None
    finally:
        con.close()
    return IngestOutcome(
        sniffed=sniffed,
        table_schema=schema,
        report=report.to_dict(),
        row_count=int(row_count),
        column_count=len(schema["fields"]),
        parquet_path=parquet_path,
        is_spatial=table_read.is_spatial,
        issues_path=issues_path,
    )
