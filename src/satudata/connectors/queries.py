"""Read helpers for the connector pages and the sync-health block (permission-scoped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q

from satudata.connectors.models import Connector, RunStatus, SyncRun

RECENT_RUNS = 30


@dataclass
class HealthRow:
    connector: Connector
    last_success: datetime | None
    last_failure: datetime | None
    last_status: str
    runs: list[SyncRun]

    @property
    def healthy(self) -> bool:
        return self.last_status != RunStatus.FAILED


def health_rows(user) -> list[HealthRow]:
    connectors = (
        Connector.objects.visible_to(user)
        .select_related("dataset", "organisation")
        .annotate(
            last_success=Max(
                "runs__finished_at",
                filter=Q(runs__status__in=(RunStatus.SUCCEEDED, RunStatus.UNCHANGED)),
            ),
            last_failure=Max("runs__finished_at", filter=Q(runs__status=RunStatus.FAILED)),
        )
        .order_by("name")
    )
    rows = []
    for connector in connectors:
        runs = list(connector.runs.order_by("-pk")[:RECENT_RUNS])
        rows.append(
            HealthRow(
                connector=connector,
                last_success=connector.last_success,
                last_failure=connector.last_failure,
                last_status=runs[0].status if runs else "",
                runs=runs,
            )
        )
    return rows


def health_chart_values(rows: list[HealthRow]) -> list[dict]:
    """Vega-Lite data: one point per recent run (connector, time, status, rows, seconds)."""
    values = []
    for row in rows:
        for run in row.runs:
            if run.finished_at is None:
                continue
            values.append(
                {
                    "konektor": row.connector.name,
                    "waktu": run.finished_at.isoformat(),
                    "status": str(RunStatus(run.status).label),
                    "baris": run.rows_read,
                    "detik": round(run.duration_s or 0, 2),
                }
            )
    return values


def health_summary(user) -> dict:
    """Counts for the monitoring dashboard's small block."""
    connectors = Connector.objects.visible_to(user)
    totals = connectors.aggregate(
        total=Count("pk"),
        enabled=Count("pk", filter=Q(enabled=True)),
        failing=Count("pk", filter=Q(consecutive_failures__gt=0)),
    )
    totals["last_runs"] = list(
        SyncRun.objects.visible_to(user).select_related("connector").order_by("-pk")[:5]
    )
    return totals
