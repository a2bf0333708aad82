"""`satudata connector run NAME` and `satudata connector test NAME`.

The parsers are built without importing Django (see satudata/cli.py); `run()` sets Django up.
`run` performs a whole sync here (waiting between retries) as the system, exactly as the worker
would, and prints the run's outcome; `test` shows the first rows the connector would import and
stores nothing.
"""

from __future__ import annotations

import argparse
import sys

from satudata.commands.environment import HomeError, fail, setup_django

EXIT_OK, EXIT_FAILED = 0, 1


def add_connector_parser(commands, parents: list, formatter) -> argparse.ArgumentParser:
    connector = commands.add_parser(
        "connector",
        formatter_class=formatter,
        help="run or test a connector (scheduled sync from an agency system)",
        description="Run or test a connector from the shell (see docs/konektor.md).",
    )
    actions = connector.add_subparsers(
        dest="connector_command", metavar="ACTION", title="actions", required=True
    )
    run = actions.add_parser(
        "run",
        parents=parents,
        formatter_class=formatter,
        help="sync now: pull, map, import as a new draft version",
        description=(
            "Pull from the source, map the fields and import the rows as a new draft version\n"
            "of the connector's dataset (published too when the walidata allowed it and the\n"
            "data is valid). Temporary faults are retried with exponential backoff. Exits with\n"
            "status 1 when the run fails; the last good version is then unchanged."
        ),
    )
    run.add_argument("name", metavar="NAME", help="the connector's name")
    run.set_defaults(handler="satudata.commands.connector")
    test = actions.add_parser(
        "test",
        parents=parents,
        formatter_class=formatter,
        help="show the first rows the connector would import (stores nothing)",
        description=(
            'Connect to the source and print the first mapped rows, like the "try it" button.\n'
            "Nothing is stored. Exits with status 1 when the source cannot be read."
        ),
    )
    test.add_argument("name", metavar="NAME", help="the connector's name")
    test.add_argument(
        "--rows", type=int, default=10, metavar="N", help="rows to show (default: %(default)s)"
    )
    test.set_defaults(handler="satudata.commands.connector")
    return connector


def run(args: argparse.Namespace) -> int:
    try:
        setup_django()
    except HomeError as exc:
        return fail(str(exc))
    from satudata.connectors.models import Connector

    connector = Connector.objects.filter(name=args.name).first()
    if connector is None:
        names = ", ".join(Connector.objects.values_list("name", flat=True)[:20]) or "none"
        return fail(f"no connector named {args.name!r} (known: {names})")
    if args.connector_command == "test":
        return _test(connector, args.rows)
    return _run(connector)


def _run(connector) -> int:
    from satudata.connectors import sync
    from satudata.connectors.models import RunStatus
    from satudata.core.errors import SatuDataError

    try:
        result = sync.run_now(connector, trigger="cli")
    except SatuDataError as error:
        return fail(error.message)
    print(result.log)
    print()
    if result.status == RunStatus.FAILED:
        print(f"FAILED: {result.error} [{result.error_code}]", file=sys.stderr)
        return EXIT_FAILED
    version = f"version {result.version.number}" if result.version else "no version"
    print(
        f"{result.get_status_display()}: {result.rows_read} rows read,"
        f" {result.rows_imported} imported, {version}"
        + (" (published)" if result.published else "")
    )
    return EXIT_OK


def _test(connector, rows: int) -> int:
    from satudata.connectors import sync
    from satudata.core.errors import SatuDataError

    try:
        shown = sync.preview(connector, rows=max(1, rows))
    except SatuDataError as error:
        print(f"FAILED: {error.message} [{error.code}]", file=sys.stderr)
        return EXIT_FAILED
    for line in shown.log:
        print(line)
    print("\t".join(shown.columns))
    for row in shown.rows:
        print("\t".join("" if value is None else value for value in row))
    print(f"{len(shown.rows)} rows shown; nothing stored.")
    return EXIT_OK
