"""The demo's Daftar Data for the current year (issue 5: the monitoring page tells a story on
first run): across the demo agencies, some promises delivered on time, some late, some overdue,
some not yet due. Idempotent: a re-run changes nothing.

Periods are chosen relative to today, so the story holds whenever the demo is loaded. Demo
datasets get their first version at load time, i.e. after every past due date (late); for the
few promises the story marks "on time", the first version's time is set back to a few days after
the period ended — demo history only, never done outside the demo, and recorded in the audit
trail as `demo.backdate` (old and new time, and why).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from satudata.core.permissions import SYSTEM
from satudata.monitoring import periods, services
from satudata.monitoring.deliveries import refresh_deliveries
from satudata.monitoring.models import DataPromise


def _last_due_period(frequency: str, today: date) -> tuple[int, int]:
    """The most recent period of `frequency` whose due date is already past."""
    year = today.year
    count = 1 if frequency == periods.Frequency.YEARLY else periods.periods_per_year(frequency)
    candidates = []
    for y in (year, year - 1, year - 2):
        for n in range(1, count + 1):
            number = 0 if count == 1 else n
            if periods.due_date(frequency, y, number) < today:
                candidates.append((periods.due_date(frequency, y, number), y, number))
    _, y, number = max(candidates)
    return y, number


def _label(frequency: str, today: date) -> str:
    return periods.period_label(frequency, *_last_due_period(frequency, today))


# (agency slug, title, dataset slug or "", frequency, story) — story "on_time" sets the first
# version back in time; "late" keeps it; "overdue"/"not_due" promise data with no delivery.
PROMISES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "dinkes-klungkung",
        "Puskesmas Pembantu",
        "puskesmas-pembantu-kabupaten-klungkung",
        "yearly",
        "on_time",
    ),
    ("dinkes-klungkung", "Cakupan Imunisasi Dasar Lengkap", "", "quarterly", "overdue"),
    ("dinkes-klungkung", "Jumlah Tenaga Kesehatan", "", "yearly", "not_due"),
    (
        "bps-klungkung",
        "Penduduk per Kecamatan",
        "penduduk-kecamatan-sp2010-sp2020",
        "yearly",
        "on_time",
    ),
    (
        "bps-klungkung",
        "Kemiskinan Kabupaten Klungkung",
        "kemiskinan-kabupaten-klungkung",
        "yearly",
        "late",
    ),
    (
        "dispar-klungkung",
        "Kunjungan Wisatawan Nusa Penida",
        "kunjungan-wisatawan-nusa-penida-bulanan",
        "monthly",
        "late",
    ),
    (
        "dispar-klungkung",
        "Retribusi Pariwisata",
        "retribusi-pariwisata-kabupaten-klungkung",
        "yearly",
        "on_time",
    ),
    ("dispar-klungkung", "Tingkat Hunian Hotel", "", "monthly", "overdue"),
    (
        "disdukcapil-klungkung",
        "Penduduk dan Luas Wilayah",
        "penduduk-luas-kabupaten-kota-bali-2024",
        "semester",
        "late",
    ),
    ("disdukcapil-klungkung", "Kepemilikan KTP Elektronik", "", "semester", "overdue"),
    (
        "bappeda-klungkung",
        "Penduduk Menurut Sumber",
        "penduduk-kabupaten-klungkung-menurut-sumber",
        "yearly",
        "on_time",
    ),
    (
        "bappeda-klungkung",
        "Batas Desa/Kelurahan",
        "batas-desa-kelurahan-kabupaten-klungkung",
        "yearly",
        "late",
    ),
    (
        "disdik-klungkung",
        "Jumlah Sekolah dan Murid",
        "jumlah-sekolah-dan-murid-per-kecamatan",
        "yearly",
        "overdue",
    ),
    ("dinsos-klungkung", "Rekap DTKS per Desa", "rekap-dtks-per-desa", "semester", "overdue"),
    ("dinsos-klungkung", "Penerima Bantuan Sosial", "", "yearly", "not_due"),
)


def _backdate(version, delivered, promise) -> None:
    """Set the demo version's upload time back to when the story says it was delivered, and
    say so in the audit trail (who, which version, from when to when, why): the only place
    a time is rewritten, demo only. Runs inside load_demo_daftar's transaction."""
    from satudata.core import audit
    from satudata.warehouse.models import Version

    before = version.created_at
    Version.objects.filter(pk=version.pk).update(created_at=delivered)
    audit.record(
        SYSTEM,
        "demo.backdate",
        version,
        organisation_id=promise.organisation_id,
        changes={
            "created_at": [before.isoformat(), delivered.isoformat()],
            "why": "Demo: riwayat contoh — versi ini dianggap diserahkan tepat waktu untuk "
            f"janji Daftar Data “{promise.title}” ({promise.period_label}).",
        },
    )
    refresh_deliveries([version.dataset_id])


def load_demo_daftar(today: date | None = None) -> int:
    """Create or bring in line the demo Daftar Data of this year; returns the promise count."""
    from satudata.accounts.models import Organisation
    from satudata.catalog.models import Dataset
    from satudata.warehouse.models import Version

    today = today or timezone.localdate()
    agencies = set(Organisation.objects.values_list("slug", flat=True))
    present = set(Dataset.objects.values_list("slug", flat=True))
    rows = []
    for org, title, dataset, frequency, story in PROMISES:
        if org not in agencies:
            continue
        period = str(today.year) if story == "not_due" else _label(frequency, today)
        delivered_by = dataset if dataset in present and story in ("on_time", "late") else ""
        rows.append(
            {
                "organisation": org,
                "title": title,
                "dataset": delivered_by,
                "frequency": frequency,
                "period": period,
                "_line": len(rows) + 2,
            }
        )
    if not rows:
        return 0
    services.import_rows(SYSTEM, today.year, rows, source="demo")
    with transaction.atomic():
        for org, title, dataset, _frequency, story in PROMISES:
            if story != "on_time" or dataset not in present:
                continue
            promise = DataPromise.objects.filter(
                daftar__year=today.year, organisation__slug=org, title=title
            ).first()
            first = Version.objects.filter(dataset__slug=dataset).exclude(status="draft")
            first = first.order_by("number").first()
            if promise is None or first is None:
                continue
            delivered = promise.accepts_from + timedelta(days=3, hours=10)
            if delivered < promise.due_before and first.created_at != delivered:
                _backdate(first, delivered, promise)
    return len(rows)
