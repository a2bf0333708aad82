"""`satudata demo`: migrate, load regions and the Klungkung demo, print the log-ins, serve."""

from __future__ import annotations

import argparse
import os
import time

from satudata.commands.environment import HomeError, fail, setup_django
from satudata.commands.progress import migrate_with_progress, progress_step
from satudata.commands.serve import address_problem, display_url, serve_portal

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
WILDCARD_HOSTS = {"0.0.0.0", "::", "[::]"}  # noqa: S104 (names, not a bind)


def allow_demo_host(host: str) -> None:
    """Let the demo answer on the address it listens on (only when the admin set nothing).

    Must run before the settings load. Listening on every interface means visitors arrive under
    any name, so the demo then accepts any Host header — acceptable for a demo, never for
    production, where SATUDATA_ALLOWED_HOSTS is set explicitly.
    """
    if os.environ.get("SATUDATA_ALLOWED_HOSTS") or host in LOOPBACK_HOSTS:
        return
    if host in WILDCARD_HOSTS:
        os.environ["SATUDATA_ALLOWED_HOSTS"] = "*"
    else:
        os.environ["SATUDATA_ALLOWED_HOSTS"] = f"127.0.0.1,localhost,[::1],{host.strip('[]')}"


def load_everything() -> tuple[dict, object]:
    """Migrations, regions and demo content, each with a progress bar."""
    from satudata.demo.loader import load_demo
    from satudata.regions.loader import load_all

    migrate_with_progress()
    with progress_step("Loading regions") as update:
        region_counts = load_all(update)
    with progress_step("Loading the demo content") as update:
        result = load_demo(update)
    return region_counts, result


def print_summary(url: str, result, seconds: float) -> None:
    from django.conf import settings

    print()
    print(f"Satu Data demo is ready ({seconds:.1f} s): {url}")
    print(f"Home folder: {settings.SATUDATA_HOME}")
    print(
        f"{result.datasets} datasets ({result.published} published), "
        f"{result.new_versions} new data versions this run."
    )
    print()
    print("Demo log-ins (public demo passwords, never use them for real data):")
    rows = [("ROLE", "USERNAME", "PASSWORD", "ORGANISATION")]
    rows += [(x.role, x.username, x.password, x.organisation) for x in result.logins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print(
            "  "
            + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
            + "  "
            + row[3]
        )
    print()


def run(args: argparse.Namespace) -> int:
    if not args.no_serve:
        problem = address_problem(args.host, args.port)
        if problem:
            return fail(problem)
    allow_demo_host(args.host)
    try:
        setup_django()
    except HomeError as exc:
        return fail(str(exc))
    from satudata.core.errors import SatuDataError

    started = time.monotonic()
    try:
        _, result = load_everything()
    except SatuDataError as exc:
        return fail(f"the demo could not be loaded: {exc.message}")
    print_summary(display_url(args.host, args.port), result, time.monotonic() - started)
    if args.no_serve:
        return 0
    return serve_portal(
        args.host,
        args.port,
        workers=args.workers,
        threads=args.threads,
        embedded_worker=not getattr(args, "no_worker", False),
    )
