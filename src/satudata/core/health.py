"""System checks shared by `/healthz` and `satudata check`."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not reachable"
        return Check("database", False, f"{type(exc).__name__}: {exc}")
    return Check("database", True, connection.vendor)


def check_storage() -> Check:
    root = settings.BLOB_ROOT
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()
        stat = os.statvfs(root)
    except OSError as exc:
        return Check("storage", False, f"{root}: {exc}")
    free_mb = stat.f_bavail * stat.f_frsize // (1024 * 1024)
    if free_mb < 100:
        return Check("storage", False, f"{root}: only {free_mb} MB free")
    return Check("storage", True, f"{root} ({free_mb} MB free)")


def check_migrations() -> Check:
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return Check("migrations", False, f"{type(exc).__name__}: {exc}")
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        return Check(
            "migrations", False, f"{len(plan)} not applied ({names}); run `satudata manage migrate`"
        )
    return Check("migrations", True, "up to date")


def check_configuration() -> Check:
    problems = []
    if settings.DEBUG:
        problems.append("SATUDATA_DEBUG is on (never in production)")
    if not settings.ALLOWED_HOSTS:
        problems.append("SATUDATA_ALLOWED_HOSTS is empty")
    if problems:
        return Check("configuration", False, "; ".join(problems))
    return Check("configuration", True, f"home {settings.SATUDATA_HOME}")


def run_checks(include_migrations: bool = True) -> list[Check]:
    checks = [check_configuration(), check_database(), check_storage()]
    if include_migrations and checks[1].ok:
        checks.append(check_migrations())
    return checks
