"""`satudata audit verify`: walk the hash chain and name the first broken event."""

from __future__ import annotations

import argparse

from rich.console import Console

from satudata.commands.environment import HomeError, fail, setup_django


def run(args: argparse.Namespace) -> int:
    try:
        setup_django()
    except HomeError as exc:
        return fail(str(exc))
    from satudata.core.audit import verify_chain

    with Console(stderr=True).status("Verifying the audit chain…"):
        report = verify_chain()
    if report.ok:
        print(f"OK: {report.checked} audit events, chain intact.")
        return 0
    broken = report.broken
    where = f"event #{broken.event_id}" if broken.event_id else "the newest events"
    print(f"BROKEN at {where}: {broken.reason}")
    print(f"{report.checked} events before it are intact.")
    return 1
