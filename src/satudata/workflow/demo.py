"""The demo's review story (issue 5: the review queue and the bell tell a story on first run).

After the demo datasets went through the review workflow (demo/loader.py), three things wait:

1. **Dinas Pariwisata** sent its monthly Nusa Penida visitor table again as exported from Excel
   (semicolon-separated, the same numbers): a new version submitted for the walidata's check.
2. **Dinas Kesehatan** sent the Puskesmas Pembantu table again; the walidata returned it with a
   comment pinned to a data cell (asking to confirm that the list is partial, as its file name
   says), the produsen answered and submitted it again: it waits for the walidata, with the
   discussion on its review page.
3. **Desa Kusamba**'s operator submitted the desa's boundary (the Kusamba polygon from the
   packaged boundary file): in the village flow it waits for the verifikator of Kecamatan Dawan.

No number is invented: every version holds the bytes of a packaged real file (re-encoded or cut
to one feature). The notifications of reviews finished during loading are marked read (the
people handled them); those of the waiting versions stay unread. Idempotent: each piece acts
only while its version is still a draft, so a second run changes nothing.
"""

from __future__ import annotations

import csv
import io
import json

from django.contrib.auth import get_user_model

from satudata.warehouse.models import Version, VersionStatus

DISPAR_DATASET = "kunjungan-wisatawan-nusa-penida-bulanan"
DINKES_DATASET = "puskesmas-pembantu-kabupaten-klungkung"
KUSAMBA_DATASET = "batas-wilayah-desa-kusamba"
KUSAMBA_ORGANISATION = "desa-kusamba"
# The cell the walidata's comment points at (row 1 = the first data row).
PINNED_ROW = 1

RETURN_NOTE = (
    "Nama berkas menyebut data ini sebagian. Mohon pastikan di deskripsi puskesmas pembantu "
    "mana saja yang belum tercantum, mulai dari baris ini."
)
ANSWER = (
    "Benar, tabel ini memuat sebagian puskesmas pembantu yang datanya sudah kami terima; "
    "sisanya menyusul pada pemutakhiran berikutnya. Mohon diperiksa kembali."
)
EXPORT_NOTE = "Ekspor ulang dari Excel (pemisah titik koma); isi tabel sama dengan versi terbit."


def _user(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _semicolon_copy(data: bytes) -> bytes:
    """The same table as an Excel export in the Indonesian locale would write it."""
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _new_draft(actor, dataset, filename: str, data: bytes, message: str) -> Version | None:
    """The version holding exactly these bytes (uploaded now as `actor` when missing)."""
    import hashlib

    from satudata.warehouse.services import ingest_upload

    sha256 = hashlib.sha256(data).hexdigest()
    found = Version.objects.filter(dataset=dataset, raw_sha256=sha256).first()
    if found is not None:
        return found
    return ingest_upload(actor, dataset, filename=filename, data=data, message=message).version


def _dispar_resubmission() -> None:
    from satudata.catalog.models import Dataset
    from satudata.demo.content import DATASETS
    from satudata.demo.loader import data_file_bytes
    from satudata.workflow import services

    dataset = Dataset.objects.filter(slug=DISPAR_DATASET).first()
    produsen = _user("produsen.dispar")
    spec = next((spec for spec in DATASETS if spec.slug == DISPAR_DATASET), None)
    if dataset is None or produsen is None or spec is None or not dataset.published_version_id:
        return
    data = _semicolon_copy(data_file_bytes(spec.data_file))
    version = _new_draft(produsen, dataset, "kunjungan-nusa-penida-ekspor.csv", data, EXPORT_NOTE)
    if version is not None and version.status == VersionStatus.DRAFT:
        services.submit(produsen, version, note=EXPORT_NOTE)


def _first_column(version: Version) -> str:
    fields = (version.table_schema or {}).get("fields", [])
    return fields[0]["name"] if fields else ""


def _dinkes_returned_and_answered() -> None:
    from satudata.catalog.models import Dataset
    from satudata.demo.content import DATASETS
    from satudata.demo.loader import data_file_bytes
    from satudata.workflow import services

    dataset = Dataset.objects.filter(slug=DINKES_DATASET).first()
    produsen, walidata = _user("produsen.dinkes"), _user("walidata")
    spec = next((spec for spec in DATASETS if spec.slug == DINKES_DATASET), None)
    if None in (dataset, produsen, walidata, spec) or not dataset.published_version_id:
        return
    data = _semicolon_copy(data_file_bytes(spec.data_file))
    version = _new_draft(produsen, dataset, "pustu-ekspor.csv", data, EXPORT_NOTE)
    if version is None or version.status != VersionStatus.DRAFT:
        return
    column = _first_column(version)
    services.submit(produsen, version, note=EXPORT_NOTE)
    services.return_version(
        walidata, version, note=RETURN_NOTE, target="cell", column=column, row=PINNED_ROW
    )
    question = version.review_comments.filter(transition__action="return").first()
    services.add_comment(produsen, version, body=ANSWER, parent=question)
    services.submit(produsen, version, note="Diajukan kembali setelah menjawab komentar walidata.")
    # Each side read what it answered: the produsen the return, the walidata the first
    # submission; what came after (the answer, the new submission) is still unread.
    _mark_read(produsen, version, kinds=["returned"])
    _mark_read(walidata, version, kinds=["submitted"], keep_newest=True)


def _mark_read(user, version: Version, *, kinds: list[str], keep_newest: bool = False) -> None:
    from satudata.workflow import services
    from satudata.workflow.models import Notification

    ids = list(
        Notification.objects.filter(recipient=user, version=version, kind__in=kinds)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    if keep_newest:
        ids = ids[1:]
    if ids:
        services.mark_read(user, ids)


def _kusamba_boundary() -> bytes | None:
    from satudata.demo.content import DEMO_DESA_CODE
    from satudata.demo.loader import boundaries_geojson

    collection = json.loads(boundaries_geojson())
    features = [
        feature
        for feature in collection.get("features", [])
        if feature.get("properties", {}).get("kode") == DEMO_DESA_CODE
    ]
    if not features:
        return None
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")


KUSAMBA_METADATA = {
    "description": (
        "Poligon batas Desa Kusamba (Kecamatan Dawan), diajukan operator desa untuk diperiksa "
        "verifikator kecamatan. Isinya satu fitur dari data batas desa/kelurahan yang dipaket "
        "bersama modul wilayah (sumber: Badan Informasi Geospasial via "
        "cahyadsn/wilayah_boundaries, lisensi MIT); poligon kasar, bukan untuk penetapan batas."
    ),
    "topic": "geospasial",
    "tags": ["batas wilayah", "desa", "GeoJSON"],
    "classification": "publik",
    "licence": "mit",
    "frequency": "tidak_tentu",
    "data_source": "Badan Informasi Geospasial, via cahyadsn/wilayah_boundaries",
    "collection_method": "cara_lain",
    "collection_method_detail": "Satu fitur dari data batas yang dipaket bersama modul wilayah.",
    "reference_codes": "kode: kode wilayah Kemendagri; geometri: GeoJSON RFC 7946, WGS84",
    "presentation_level": "desa",
    "temporal_start": 2025,
    "temporal_end": 2026,
    "is_spatial": True,
    "contact_name": "Operator Desa Kusamba",
    "contact_email": "desa-kusamba@example.org",
}


def _village_submission() -> None:
    from satudata.accounts.models import Organisation
    from satudata.catalog.models import Dataset
    from satudata.catalog.services import create_dataset
    from satudata.demo.content import DEMO_DESA_CODE, DEMO_RELEASE_DATE
    from satudata.workflow import services

    organisation = Organisation.objects.filter(slug=KUSAMBA_ORGANISATION).first()
    operator = _user("operator.desa")
    data = _kusamba_boundary()
    if organisation is None or operator is None or data is None:
        return
    dataset = Dataset.objects.filter(slug=KUSAMBA_DATASET).first()
    if dataset is None:
        dataset = create_dataset(
            operator,
            organisation=organisation,
            title="Batas Wilayah Desa Kusamba",
            slug=KUSAMBA_DATASET,
            regions=[DEMO_DESA_CODE],
            release_date=DEMO_RELEASE_DATE,
            **KUSAMBA_METADATA,
        )
    version = _new_draft(
        operator, dataset, "batas-desa-kusamba.geojson", data, "Batas Desa Kusamba"
    )
    if version is not None and version.status == VersionStatus.DRAFT:
        services.submit(operator, version, note="Mohon diperiksa: batas Desa Kusamba.")


def _mark_finished_reviews_read() -> int:
    """The loading's own reviews are history: their notifications are read by now."""
    from satudata.workflow import services
    from satudata.workflow.models import Notification

    finished = Notification.objects.filter(
        read_at__isnull=True,
        version__status__in=[VersionStatus.TERBIT, VersionStatus.DITARIK],
        kind__in=["submitted", "verified", "published"],
    )
    marked = 0
    by_user: dict[int, list[int]] = {}
    for pk, user_id in finished.values_list("pk", "recipient_id"):
        by_user.setdefault(user_id, []).append(pk)
    users = get_user_model().objects.in_bulk(list(by_user))
    for user_id, ids in by_user.items():
        marked += services.mark_read(users[user_id], ids)
    return marked


def load_demo() -> None:
    """Create (once) the three waiting reviews and tidy the bell; see the module docstring."""
    _mark_finished_reviews_read()
    _dispar_resubmission()
    _dinkes_returned_and_answered()
    _village_submission()
