"""`satudata check`: configuration, database, storage, migrations and Django's system checks."""

from __future__ import annotations

import argparse
import sys

from satudata.commands.environment import HomeError, setup_django


def _print_line(ok: bool, name: str, detail: str) -> None:
    print(f"{'ok' if ok else 'FAIL':<5} {name:<14} {detail}")


def django_system_check() -> tuple[bool, str]:
    """Django's own checks (models, URLs, admin); only errors count as failures."""
    from django.core import checks

    try:
        messages = checks.run_checks(include_deployment_checks=False)
    except Exception as exc:  # a broken URLconf or model raises instead of reporting
        return False, f"{type(exc).__name__}: {exc}"
    errors = [m for m in messages if m.level >= checks.ERROR]
    if errors:
        return False, "; ".join(f"{m.id}: {m.msg}" for m in errors[:5])
    warnings = len(messages) - len(errors)
    return True, "no errors" + (f" ({warnings} warnings)" if warnings else "")


def run(args: argparse.Namespace) -> int:
    try:
        setup_django()
    except HomeError as exc:
        _print_line(False, "configuration", str(exc))
        print("1 problem found.", file=sys.stderr)
        return 1
    from satudata.core.health import run_checks

    results = [(c.ok, c.name, c.detail) for c in run_checks()]
    django_ok, django_detail = django_system_check()
    results.append((django_ok, "django", django_detail))
    for ok, name, detail in results:
        _print_line(ok, name, detail)
    problems = sum(1 for ok, _, _ in results if not ok)
    if problems:
        print(f"{problems} problem{'s' if problems > 1 else ''} found.", file=sys.stderr)
        return 1
    print("All checks passed.")
    return 0
