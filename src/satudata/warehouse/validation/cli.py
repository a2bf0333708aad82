"""`satudata dataset validate FILE [--schema S.json] [--report R.json]` (hook: satudata/cli.py).

For scripts: the file goes through the same pipeline as an import (validation/files.py) and
nothing is stored. Prints a summary table (problems per type, with their first rows) and the
first messages; `--report` writes the whole report as JSON. Exit status: 0 when the file has no
errors (warnings allowed), 1 when it has errors or cannot be read, 2 for a wrong command line or
an unusable schema file.

The parser is built without importing Django (the top-level CLI starts fast and `--help` works
on a broken home folder); `run()` is called after the environment is set up.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

EXIT_VALID, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
MESSAGES_PRINTED = 10
ROWS_SHOWN = 5
SCHEMA_MAX_BYTES = 1024 * 1024


def add_validate_parser(actions, parents: list, formatter) -> argparse.ArgumentParser:
    parser = actions.add_parser(
        "validate",
        parents=parents,
        formatter_class=formatter,
        help="validate a data file against a Table Schema without storing it",
        description=(
            "Read a data file exactly as an import does, run every validation check and print\n"
            "a summary table; nothing is stored. Without --schema the schema is inferred from\n"
            "the data. Exits with status 0 when there is no error (warnings are allowed), 1\n"
            "when the file has errors or cannot be read, 2 when the command line or the schema\n"
            "file is wrong."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the data file (CSV, XLSX, ODS, JSON, …)")
    parser.add_argument("--schema", metavar="S.json", help="a Frictionless Table Schema (JSON)")
    parser.add_argument("--report", metavar="R.json", help="write the whole report as JSON")
    parser.add_argument(
        "--language",
        choices=("id", "en"),
        default="id",
        help="language of the messages (default: %(default)s)",
    )
    parser.add_argument("--sheet", metavar="S", help="workbook sheet (name or number)")
    parser.add_argument("--header-rows", metavar="R", help='header rows, e.g. "1" or "3-4"')
    parser.add_argument("--delimiter", metavar="D", help="CSV delimiter: , ; | or tab")
    parser.add_argument("--encoding", metavar="E", help="text encoding, e.g. utf-8 or cp1252")
    parser.add_argument(
        "--decimal", choices=(",", "."), metavar="MARK", help="decimal mark of numbers: , or ."
    )
    parser.add_argument("--member", metavar="NAME", help="the file to read inside a ZIP")
    parser.set_defaults(handler="satudata.warehouse.validation.cli")
    return parser


def _options(args: argparse.Namespace) -> dict[str, Any]:
    names = ("sheet", "header_rows", "delimiter", "encoding", "decimal", "member")
    return {name: getattr(args, name) for name in names if getattr(args, name, None)}


def read_schema(path: str) -> dict[str, Any]:
    """The schema file as JSON; ValueError with a message for the person at the terminal."""
    file = Path(path)
    try:
        if file.stat().st_size > SCHEMA_MAX_BYTES:
            raise ValueError(f"{path}: larger than {SCHEMA_MAX_BYTES // 1024} KB")
        return json.loads(file.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


def _first_rows(items: list[dict[str, Any]], kind: str) -> str:
    rows = sorted({item["row"] for item in items if item["type"] == kind and item.get("row")})
    shown = ", ".join(str(row) for row in rows[:ROWS_SHOWN])
    return shown + (", …" if len(rows) > ROWS_SHOWN else "")


def summary_lines(report: dict[str, Any], filename: str) -> list[str]:
    """The summary table, as printed (translated labels, aligned columns)."""
    from django.utils.translation import gettext as _

    from satudata.warehouse.validation import pages

    stats = report.get("stats") or {}
    lines = [
        _("File: %(file)s — rows: %(rows)s, columns: %(fields)s")
        % {"file": filename, "rows": stats.get("rows", 0), "fields": stats.get("fields", 0)}
    ]
    groups = pages.problem_groups(report)
    if groups:
        heads = (_("problem"), _("severity"), _("count"), _("first rows"))
        table = [
            (
                group["type"],
                _("error") if group["severity"] == pages.ERROR else _("warning"),
                str(group["count"]),
                _first_rows(group["items"], group["type"]),
            )
            for group in groups
        ]
        widths = [max(len(row[i]) for row in [heads, *table]) for i in range(4)]
        for row in [heads, *table]:
            lines.append(
                "  ".join(
                    value.rjust(width) if i == 2 else value.ljust(width)
                    for i, (value, width) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
    errors, warnings = stats.get("errors", 0), stats.get("warnings", 0)
    verdict = _("VALID") if not errors else _("NOT VALID")
    lines.append(
        _("Result: %(errors)s errors, %(warnings)s warnings — %(verdict)s")
        % {"errors": errors, "warnings": warnings, "verdict": verdict}
    )
    return lines


def _print(report: dict[str, Any], filename: str, out: TextIO) -> None:
    from satudata.warehouse.validation import pages

    for line in summary_lines(report, filename):
        print(line, file=out)
    items = pages.rendered((report.get("errors") or []) + (report.get("warnings") or []))
    for item in items[:MESSAGES_PRINTED]:
        print(f"  - {item['message']}", file=out)
    if len(items) > MESSAGES_PRINTED:
        print(f"  … ({len(items) - MESSAGES_PRINTED} more in the report)", file=out)


def validate_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from django.utils import translation

    out = out or sys.stdout
    from satudata.warehouse.validation.files import validate_file
    from satudata.warehouse.validation.pages import rendered

    path = Path(args.file)
    if not path.is_file():
        print(f"satudata: error: {args.file}: no such file", file=sys.stderr)
        return EXIT_USAGE
    schema = None
    if args.schema:
        try:
            schema = read_schema(args.schema)
        except ValueError as exc:
            print(f"satudata: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    with translation.override(args.language):
        result = validate_file(path, filename=path.name, schema=schema, options=_options(args))
        report = result.report
        if result.refused and (report.get("errors") or [{}])[0].get("type") == "schema-error":
            print(f"satudata: error: {report['errors'][0]['message']}", file=sys.stderr)
            return EXIT_USAGE
        _print(report, path.name, out)
        if args.report:
            document = {
                **report,
                "errors": rendered(report.get("errors") or []),
                "warnings": rendered(report.get("warnings") or []),
                "file": path.name,
                "refused": result.refused,
                "table_schema": result.table_schema,
            }
            Path(args.report).write_text(
                json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n",
                encoding="utf-8",
            )
    return EXIT_VALID if result.valid else EXIT_ERRORS


def run(args: argparse.Namespace) -> int:
    from satudata.commands import environment

    try:
        environment.setup_django()
    except environment.HomeError as exc:
        return environment.fail(str(exc), status=EXIT_USAGE)
    return validate_command(args)
