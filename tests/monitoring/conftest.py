"""A small fixture of promises and deliveries with hand-computed monitoring figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from satudata.core.permissions import SYSTEM
from tests.factories import make_dataset, make_world

NOW = timezone.make_aware(datetime(2026, 6, 20, 12, 0))


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


def make_version(dataset, number: int, created: str, *, status: str = "terbit", errors: int = 0):
    """A version row at a chosen time (the monitoring only reads its time, status and errors)."""
    from satudata.warehouse.models import Version

    version = Version.objects.create(
        dataset=dataset,
        number=number,
        status=status,
        raw_sha256=f"{dataset.pk:08d}{number:056d}",
        error_count=errors,
    )
    Version.objects.filter(pk=version.pk).update(created_at=at(created))
    version.refresh_from_db()
    return version


def transition(version, action: str, created: str) -> None:
    """A past transition; a decision (verify/return) right after a submission carries the hours
    it waited, as workflow.services records them (tests/workflow/test_flow.py checks that)."""
    from satudata.workflow.models import Transition

    when = at(created)
    hours = None
    previous = Transition.objects.filter(version=version).order_by("-created_at", "-pk").first()
    if action in ("verify", "return") and previous is not None and previous.action == "submit":
        hours = (when - previous.created_at).total_seconds() / 3600
    Transition.objects.create(
        version=version,
        dataset=version.dataset,
        action=action,
        from_status="x",
        to_status="y",
        created_at=when,
        review_hours=hours,
        tier=1 if action != "submit" else 0,
    )


@pytest.fixture
def world(db):
    return make_world("mon")


@pytest.fixture
def scenario(world, settings):
    """Agency A (world.owner): on time, late, overdue and not-yet-due promises; agency B
    (world.other): one promise delivered on time."""
    from satudata.catalog.models import Dataset
    from satudata.monitoring import services

    settings.SATUDATA_YEARLY_DUE_MONTH_DAY = "03-31"
    settings.SATUDATA_MONTHLY_DUE_DAY = 15
    d1 = make_dataset(world.owner, title="Jumlah Puskesmas", slug="mon-d1")
    d2 = make_dataset(world.owner, title="Kunjungan Pasien", slug="mon-d2")
    d3 = make_dataset(world.other, title="Kunjungan Wisatawan", slug="mon-d3")
    Dataset.objects.filter(pk=d1.pk).update(completeness=80)
    Dataset.objects.filter(pk=d2.pk).update(completeness=60)
    Dataset.objects.filter(pk=d3.pk).update(completeness=100)
    make_version(d1, 1, "2026-02-10T09:00")
    v2 = make_version(d2, 1, "2026-05-20T09:00", status="diajukan", errors=3)
    make_version(d3, 1, "2026-01-05T09:00")
    make_version(d3, 2, "2026-06-01T09:00", status="draft")
    transition(v2, "submit", "2026-05-20T09:00")
    transition(v2, "return", "2026-05-20T19:00")
    transition(v2, "submit", "2026-05-21T05:00")
    transition(v2, "verify", "2026-05-21T09:00")
    daftar_a = services.ensure_daftar(SYSTEM, world.owner, 2026)
    daftar_b = services.ensure_daftar(SYSTEM, world.other, 2026)
    promises = {
        "on_time": services.save_promise(
            SYSTEM,
            daftar_a,
            title="Jumlah Puskesmas",
            frequency="yearly",
            period="2025",
            dataset=d1,
        ),
        "late": services.save_promise(
            SYSTEM,
            daftar_a,
            title="Kunjungan Pasien",
            frequency="monthly",
            period="2026-04",
            dataset=d2,
        ),
        "overdue": services.save_promise(
            SYSTEM,
            daftar_a,
            title="Kunjungan Pasien",
            frequency="monthly",
            period="2026-05",
            dataset=d2,
        ),
        "not_due": services.save_promise(
            SYSTEM, daftar_a, title="Stok Obat", frequency="bulanan", period="2026-06"
        ),
        "b_on_time": services.save_promise(
            SYSTEM,
            daftar_b,
            title="Kunjungan Wisatawan",
            frequency="tahunan",
            period="2025",
            dataset=d3,
        ),
    }
    return {
        "world": world,
        "promises": promises,
        "datasets": (d1, d2, d3),
        "now": NOW,
        "daftar": (daftar_a, daftar_b),
        "later": NOW + timedelta(days=1),
    }
