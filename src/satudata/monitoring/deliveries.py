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
    changed = promises.update(delivered_at=Subquery(first, output_field=DateTimeField()))
    if changed:
        bump_generation()
    return changed


def bump_generation() -> None:
    """The promises or their deliveries changed: cached figures are no longer current. Runs in
    the caller's transaction, so the new stamp is seen together with the change. The stamp is a
    random number, not a counter: after a rollback or a restored backup an old stamp comes back
    only together with the data it was computed from."""
    import secrets

    from satudata.monitoring.models import FiguresGeneration

    stamp = secrets.randbits(62)
    if not FiguresGeneration.objects.filter(singleton=1).update(generation=stamp):
        FiguresGeneration.objects.update_or_create(singleton=1, defaults={"generation": stamp})


def current_generation() -> int:
    from satudata.monitoring.models import FiguresGeneration

    found = FiguresGeneration.objects.filter(singleton=1).values_list("generation", flat=True)
    return found.first() or 0


def _on_version_change(sender, instance, **kwargs) -> None:
    if instance.dataset_id:
        refresh_deliveries([instance.dataset_id])


def _on_promise_change(sender, instance, **kwargs) -> None:
    bump_generation()


def connect() -> None:
    from satudata.catalog.models import Dataset
    from satudata.monitoring.models import DaftarData, DataPromise
    from satudata.warehouse.models import Version
    from satudata.workflow.models import Transition

    post_save.connect(_on_version_change, sender=Version, dispatch_uid="monitoring-version-save")
    post_delete.connect(_on_version_change, sender=Version, dispatch_uid="monitoring-version-del")
    post_save.connect(_on_version_change, sender=Transition, dispatch_uid="monitoring-transition")
    # What the grouped counts read: promises (saved, deleted, also by cascade), a list's year,
    # and a dataset deleted from under its promises (SET_NULL sends no signal of its own).
    for sender, uid in ((DataPromise, "promise"), (DaftarData, "daftar"), (Dataset, "dataset")):
        if sender is not Dataset:
            post_save.connect(_on_promise_change, sender=sender, dispatch_uid=f"mon-gen-{uid}")
        post_delete.connect(_on_promise_change, sender=sender, dispatch_uid=f"mon-gen-{uid}-del")
