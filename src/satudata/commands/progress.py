"""Progress bars for long steps (rich, on standard error so standard output stays parseable)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

ProgressCallback = Callable[[int, int], None]


@contextmanager
def progress_step(description: str) -> Iterator[ProgressCallback]:
    """Show one bar; yields `update(done, total)` for the step to call as it goes."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=max(total, done, 1))

        yield update
        finished = progress.tasks[0]
        total = finished.total if finished.total is not None else 1
        progress.update(task, completed=total, total=total)


def migrate_with_progress() -> int:
    """Apply every pending migration with a progress bar; returns how many were applied."""
    from django.core.management import call_command
    from django.core.management.commands.migrate import Command as MigrateCommand
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    applied = 0
    with progress_step("Migrating the database") as update:
        update(0, pending)

        class Migrate(MigrateCommand):
            def migration_progress_callback(self, action, migration=None, fake=False):
                nonlocal applied
                if action == "apply_success":
                    applied += 1
                    update(applied, pending)

        call_command(Migrate(), interactive=False, verbosity=0)
    return applied
