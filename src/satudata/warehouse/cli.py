"""`satudata dataset import` and `satudata worker` (registered in satudata/cli.py).

The parsers are built here without importing Django (the top-level CLI must start fast and
`--help` must work on a broken home folder); `run()` is called after the environment is set up.

`dataset import FILE --dataset SLUG [--publish] [--sheet S] [--message M]` goes through the same
ingest service as a web upload (one pipeline, DESIGN §2), as the system actor, with a progress
bar on standard error, and exits non-zero with the report summary when the file is refused or
the new version has validation errors (it is then not published).
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
STAGES = ("reading", "validating", "writing")
PROBLEMS_PRINTED = 10


def add_import_parser(actions, parents: list, formatter) -> argparse.ArgumentParser:
    parser = actions.add_parser(
        "import",
        parents=parents,
        formatter_class=formatter,
        help="import a data file as a new version of a dataset",
        description=(
            "Read a CSV, Excel (XLSX/XLS), ODS, JSON, GeoJSON or XML file (or a ZIP holding\n"
            "one) into a new draft version of the dataset, exactly as a web upload does.\n"
            "Exits with status 1 when the file cannot be read and 2 when the version has\n"
            "validation errors; the report summary is printed either way."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the data file")
    parser.add_argument("--dataset", required=True, metavar="SLUG", help="the dataset's slug")
    parser.add_argument(
        "--publish",
        action="store_true",
        help="publish the new version when it has no errors (its warnings are acknowledged)",
    )
    parser.add_argument("--sheet", metavar="S", help="workbook sheet (name or number)")
    parser.add_argument("--message", metavar="M", default="", help="change note of the version")
    parser.add_argument("--header-rows", metavar="R", help='header rows, e.g. "1" or "3-4"')
    parser.add_argument("--delimiter", metavar="D", help="CSV delimiter: , ; | or tab")
    parser.add_argument("--encoding", metavar="E", help="text encoding, e.g. utf-8 or cp1252")
    parser.add_argument(
        "--decimal", choices=(",", "."), metavar="MARK", help="decimal mark of numbers: , or ."
    )
    parser.add_argument("--member", metavar="NAME", help="the file to read inside a ZIP")
    parser.set_defaults(handler="satudata.warehouse.cli")
    return parser


def add_worker_parser(commands, parents: list, formatter) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "worker",
        parents=parents,
        formatter_class=formatter,
        help="run the background worker (uploads, re-reads)",
        description=(
            "Run the Huey consumer that performs uploads and re-reads in the background.\n"
            "`satudata serve` and `satudata demo` already run one inside the server unless\n"
            "started with --no-worker; run this on separate machines or processes when the\n"
            "queue is Redis (SATUDATA_REDIS_URL)."
        ),
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="worker threads (default: SATUDATA_WORKER_THREADS)",
    )
    parser.set_defaults(handler="satudata.warehouse.cli")
    return parser


def _print_report(report: dict, stream) -> None:
    stats = report.get("stats", {})
    print(
        f"  rows: {stats.get('rows', 0)}, fields: {stats.get('fields', 0)}, "
        f"errors: {stats.get('errors', 0)}, warnings: {stats.get('warnings', 0)}",
        file=stream,
    )
    for kind in ("errors", "warnings"):
        for item in report.get(kind, [])[:PROBLEMS_PRINTED]:
            where = f"row {item['row']}: " if item.get("row") else ""
            print(f"  {kind[:-1]} [{item.get('type')}] {where}{item.get('message')}", file=stream)


def _options(args: argparse.Namespace) -> dict:
    values = {
        "sheet": args.sheet,
        "header_rows": args.header_rows,
        "delimiter": args.delimiter,
        "encoding": args.encoding,
        "decimal": args.decimal,
        "member": args.member,
    }
    return {key: value for key, value in values.items() if value}


def run_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from satudata.catalog.models import Dataset
    from satudata.commands.progress import progress_step
    from satudata.core.errors import SatuDataError
    from satudata.core.permissions import SYSTEM
    from satudata.warehouse import services

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return EXIT_FAILED
    dataset = Dataset.objects.filter(slug=args.dataset).first()
    if dataset is None:
        print(f"error: no dataset with the slug '{args.dataset}'", file=sys.stderr)
        return EXIT_FAILED
    try:
        with progress_step(f"Importing {path.name}") as update:
            update(0, len(STAGES) + 1)

            def on_stage(stage: str) -> None:
                if stage in STAGES:
                    update(STAGES.index(stage) + 1, len(STAGES) + 1)

            result = services.ingest_upload(
                SYSTEM,
                dataset,
                filename=path.name,
                data=path,
                message=args.message,
                options=_options(args),
                on_stage=on_stage,
            )
    except SatuDataError as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        if isinstance(exc.details, dict) and exc.details.get("report"):
            _print_report(exc.details["report"], sys.stderr)
        return EXIT_FAILED
    version = result.version
    if not result.created:
        print(f"unchanged: identical to version {version.number}; no new version was made")
    else:
        print(
            f"version {version.number} created: {version.row_count} rows, "
            f"{version.column_count} columns"
        )
    _print_report(result.report, sys.stdout)
    if version.error_count:
        print(
            f"version {version.number} has {version.error_count} errors; it cannot be published",
            file=sys.stderr,
        )
        return EXIT_INVALID
    if args.publish:
        try:
            # The command line's --publish is the walidata's decision: warnings acknowledged.
            services.publish_version(SYSTEM, version, acknowledge_warnings=True)
        except SatuDataError as exc:
            print(f"not published: {exc.message}", file=sys.stderr)
            return EXIT_FAILED
        print(f"version {version.number} published")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from satudata.commands.environment import HomeError, setup_django

    try:
        setup_django()
    except HomeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if getattr(args, "command", None) == "worker":
        from satudata.warehouse.tasks import run_worker

        print("Satu Data worker running (press Ctrl+C to stop)", flush=True)
        run_worker(args.threads)
        return EXIT_OK
    return run_import(args)
