"""`satudata serve`: the production server (granian, WSGI), static files through WhiteNoise."""

from __future__ import annotations

import argparse
import errno
import socket
import sys
from pathlib import Path

from satudata.commands.environment import HomeError, fail, setup_django

WSGI_TARGET = "satudata.wsgi:application"


def address_problem(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on, or None when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except socket.gaierror:
            return f"'{host}' is not an address of this machine"
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is already in use (choose another with --port)"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def display_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in {"0.0.0.0", "::", "[::]"} else host  # noqa: S104 (display only)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve_portal(
    host: str,
    port: int,
    *,
    workers: int,
    threads: int,
    access_log: bool = False,
    embedded_worker: bool = True,
) -> int:
    """Run granian in the foreground until interrupted."""
    problem = address_problem(host, port)
    if problem:
        return fail(problem)
    from django.conf import settings
    from django.db import connections
    from granian import Granian
    from granian.constants import Interfaces

    # Workers open their own connections; a connection inherited from this process would be
    # shared across processes.
    connections.close_all()
    # WhiteNoise also serves collected files from STATIC_ROOT and warns when it is missing.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    print(f"Serving Satu Data on {display_url(host, port)} (press Ctrl+C to stop)", flush=True)
    server = Granian(
        WSGI_TARGET,
        address=host.strip("[]"),
        port=port,
        interface=Interfaces.WSGI,
        websockets=False,
        workers=workers,
        blocking_threads=threads,
        log_access=access_log,
    )
    if embedded_worker:
        # Background uploads (warehouse/tasks.py) without a second process; --no-worker turns
        # it off when `satudata worker` runs elsewhere.
        from satudata.warehouse.tasks import start_embedded_worker

        start_embedded_worker()
    server.serve()
    return 0


def readiness_problems() -> list[str]:
    """Problems that make serving pointless: no database or unapplied migrations."""
    from satudata.core.health import run_checks

    blocking = {"database", "migrations"}
    problems = []
    for check in run_checks():
        if check.ok:
            continue
        if check.name in blocking:
            problems.append(f"{check.name}: {check.detail}")
        else:
            print(f"warning: {check.name}: {check.detail}", file=sys.stderr)
    return problems


def run(args: argparse.Namespace) -> int:
    try:
        setup_django()
    except HomeError as exc:
        return fail(str(exc))
    problems = readiness_problems()
    if problems:
        return fail("not ready to serve: " + "; ".join(problems))
    return serve_portal(
        args.host,
        args.port,
        workers=args.workers,
        threads=args.threads,
        access_log=args.access_log,
        embedded_worker=not getattr(args, "no_worker", False),
    )
