"""The `satudata` command: demo, serve, check, createadmin, audit verify and manage.

This module only builds the argument parser and hands over to `satudata.commands.<name>.run`.
It imports nothing from Django, so that `--home` can set SATUDATA_HOME before the settings load
and `--help` works even when the home folder is broken. `docs/cli.md` is generated from this
parser (`python -m satudata.commands.clidocs`), so the help texts here are the documentation.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys
from collections.abc import Sequence

PROG = "satudata"

DESCRIPTION = """\
Satu Data: an open-source "one data" portal for an Indonesian regency and its villages.

Settings come from the environment (SATUDATA_HOME, DATABASE_URL, SATUDATA_ALLOWED_HOSTS,
SATUDATA_DEBUG, ...; see docs/admin-guide.md). Without DATABASE_URL the data lives in a SQLite
file inside the home folder."""

EPILOG = """\
examples:
  satudata demo                       load the Klungkung demo and serve it on http://127.0.0.1:8000/
  satudata demo --no-serve            load the demo content only
  satudata serve --host 0.0.0.0 --workers 2
  satudata check                      is the installation healthy?
  satudata manage migrate             any Django management command

Run `satudata COMMAND --help` for the options of one command."""


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, not {port}")
    return port


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def _home_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--home",
        metavar="DIR",
        help="home folder for the SQLite database, blobs, logs and the secret key "
        "(sets SATUDATA_HOME; default: $SATUDATA_HOME or ./satudata-data)",
    )
    return parent


def _server_parent(default_workers: int) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parent.add_argument(
        "--port", type=_port, default=8000, help="TCP port to listen on (default: %(default)s)"
    )
    parent.add_argument(
        "--workers",
        type=_positive,
        default=default_workers,
        help="worker processes (default: %(default)s; about one per CPU core)",
    )
    parent.add_argument(
        "--threads",
        type=_positive,
        default=4,
        help="threads per worker that run Django requests (default: %(default)s)",
    )
    parent.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run the background worker inside the server (run `satudata worker`)",
    )
    return parent


def build_parser(width: int | None = None) -> argparse.ArgumentParser:
    """The whole command line. `width` fixes the help layout (the docs generator uses it)."""
    formatter = functools.partial(
        argparse.RawDescriptionHelpFormatter, width=width, max_help_position=30
    )
    parser = argparse.ArgumentParser(
        prog=PROG, description=DESCRIPTION, epilog=EPILOG, formatter_class=formatter
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", required=False
    )
    home = _home_parent()

    demo = commands.add_parser(
        "demo",
        parents=[home, _server_parent(default_workers=1)],
        formatter_class=formatter,
        help="set up the Kabupaten Klungkung demo and serve it",
        description=(
            "Create or update the database, load all Kemendagri regions and the Klungkung demo\n"
            "(agencies, one user per role, real published statistics as datasets, boundaries),\n"
            "print the address and the demo log-ins, then serve the portal.\n\n"
            "Running it again changes nothing and duplicates nothing. The demo passwords are\n"
            "public: never run the demo on a server that holds real data."
        ),
    )
    demo.add_argument(
        "--no-serve", action="store_true", help="load everything, print the log-ins and stop"
    )
    demo.set_defaults(handler="satudata.commands.demo")

    serve = commands.add_parser(
        "serve",
        parents=[home, _server_parent(default_workers=2)],
        formatter_class=formatter,
        help="serve the portal with the production server (granian)",
        description=(
            "Serve the portal with granian (WSGI) and WhiteNoise for static files.\n"
            "Refuses to start when the database cannot be reached or migrations are missing.\n"
            "Behind a reverse proxy, listen on 127.0.0.1 and set SATUDATA_ALLOWED_HOSTS,\n"
            "SATUDATA_CSRF_TRUSTED_ORIGINS and SATUDATA_HTTPS (see docs/admin-guide.md)."
        ),
    )
    serve.add_argument(
        "--access-log", action="store_true", help="log every request to standard error"
    )
    serve.set_defaults(handler="satudata.commands.serve")

    check = commands.add_parser(
        "check",
        parents=[home],
        formatter_class=formatter,
        help="check configuration, database, storage and migrations",
        description=(
            "Check the configuration, the database connection, the blob storage and the\n"
            "migrations, and Django's own system checks. Prints one line per check and exits\n"
            "with status 1 when anything is wrong."
        ),
    )
    check.set_defaults(handler="satudata.commands.check")

    createadmin = commands.add_parser(
        "createadmin",
        parents=[home],
        formatter_class=formatter,
        help="create an administrator account",
        description=(
            "Create a superuser who can use the Django admin and every page of the portal.\n"
            "The password is asked twice (hidden), or read from one line of standard input\n"
            "with --password-stdin (for scripts)."
        ),
    )
    createadmin.add_argument(
        "--username", default="admin", help="log-in name (default: %(default)s)"
    )
    createadmin.add_argument("--email", default="", help="e-mail address (optional)")
    createadmin.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of asking",
    )
    createadmin.set_defaults(handler="satudata.commands.createadmin")

    audit = commands.add_parser(
        "audit",
        formatter_class=formatter,
        help="work with the hash-chained audit log",
        description="Work with the append-only, hash-chained audit log.",
    )
    audit_commands = audit.add_subparsers(
        dest="audit_command", metavar="ACTION", title="actions", required=True
    )
    verify = audit_commands.add_parser(
        "verify",
        parents=[home],
        formatter_class=formatter,
        help="prove that no audit event was altered or deleted",
        description=(
            "Walk the audit chain from the first event and recompute every hash.\n"
            "Prints OK and the number of events, or the id of the first event whose link\n"
            "is broken (altered or deleted rows) and exits with status 1."
        ),
    )
    verify.set_defaults(handler="satudata.commands.audit")

    # Data files (warehouse/cli.py builds the parsers and runs them).
    from satudata.warehouse.cli import add_import_parser, add_worker_parser
    from satudata.warehouse.validation.cli import add_validate_parser

    dataset = commands.add_parser(
        "dataset",
        formatter_class=formatter,
        help="work with datasets' data files",
        description="Import data files into datasets, or validate them without storing.",
    )
    dataset_actions = dataset.add_subparsers(
        dest="dataset_command", metavar="ACTION", title="actions", required=True
    )
    add_import_parser(dataset_actions, [home], formatter)
    add_validate_parser(dataset_actions, [home], formatter)
    add_worker_parser(commands, [home], formatter)

    from satudata.commands.connector import add_connector_parser

    add_connector_parser(commands, [home], formatter)

    manage = commands.add_parser(
        "manage",
        parents=[home],
        formatter_class=formatter,
        help="run a Django management command",
        description=(
            "Pass the rest of the command line to Django's manage.py, e.g.\n"
            "`satudata manage migrate`, `satudata manage shell`, `satudata manage help`."
        ),
    )
    manage.add_argument(
        "arguments",
        nargs=argparse.REMAINDER,
        metavar="ARGS",
        help="Django command and its arguments",
    )
    manage.set_defaults(handler="satudata.commands.manage")
    return parser


def take_home_option(arguments: list[str], home: str | None) -> tuple[str | None, list[str]]:
    """Pull `--home DIR` / `--home=DIR` out of a `manage` command line (Django has no such option).

    So that `satudata manage migrate --home DIR` works like `satudata manage --home DIR migrate`.
    """
    rest: list[str] = []
    position = 0
    while position < len(arguments):
        argument = arguments[position]
        if argument == "--":
            rest.extend(arguments[position:])
            break
        if argument == "--home" and position + 1 < len(arguments):
            home = arguments[position + 1]
            position += 2
            continue
        if argument.startswith("--home="):
            home = argument.split("=", 1)[1]
        else:
            rest.append(argument)
        position += 1
    return home, rest


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        print(f"\n{PROG}: error: choose a command", file=sys.stderr)
        return 2
    from satudata.commands import environment

    home = getattr(args, "home", None)
    if args.handler == "satudata.commands.manage":
        home, args.arguments = take_home_option(list(args.arguments), home)
    environment.prepare(home=home)
    module = importlib.import_module(args.handler)
    return module.run(args)


if __name__ == "__main__":
    sys.exit(main())
