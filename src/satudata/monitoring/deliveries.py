"""When a promise was delivered, kept on the promise (`DataPromise.delivered_at`).

A promise is delivered by the first submitted (non-draft) version of its linked dataset created
on or after the day after the reference period ended. Every save or deletion of a version (the
warehouse's ingest, every workflow transition) and every workflow Transition refreshes the
promises of that dataset — one UPDATE — so the monitoring figures are plain grouped counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.signals import post_delete, post_save


def _first_versions(dataset_ref, accepts_ref):
    from satudata.warehouse.models import Version

    return (
        Version.objects.filter(dataset_id=dataset_ref, created_at__gte=accepts_ref)
        .exclude(status="draft")
        .order_by("created_at")
        .values("created_at")[:1]
    )


def first_delivery(dataset_id: int | None, accepts_from: datetime) -> datetime | None:
    """The delivery time of a promise of `dataset_id` whose window opens at `accepts_from`."""
    if dataset_id is None:
        return None
    return _first_versions(dataset_id, accepts_from).values_list("created_at", flat=True).first()


def refresh_deliveries(dataset_ids: Iterable[int] | None = None) -> int:
    """Recompute `delivered_at` of the promises of these datasets (all when None)."""
    from satudata.monitoring.models import DataPromise

    promises = DataPromise.objects.filter(dataset__isnull=False)
    if dataset_ids is not None:
        promises = promises.filter(dataset_id__in=list(dataset_ids))
    first = _first_versions(OuterRef("dataset_id"), OuterRef("accepts_from"))
    return promises.update(delivered_at=Subquery(first, output_field=DateTimeField()))


def _on_version_change(sender, instance, **kwargs) -> None:
    if instance.dataset_id:
        refresh_deliveries([instance.dataset_id])


def connect() -> None:
    from satudata.warehouse.models import Version
    from satudata.workflow.models import Transition

    post_save.connect(_on_version_change, sender=Version, dispatch_uid="monitoring-version-save")
    post_delete.connect(_on_version_change, sender=Version, dispatch_uid="monitoring-version-del")
    post_save.connect(_on_version_change, sender=Transition, dispatch_uid="monitoring-transition")
