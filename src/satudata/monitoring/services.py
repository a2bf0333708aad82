"""Writes to the Daftar Data: one function per change, permission-checked, atomic, audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from satudata.accounts.models import Organisation
from satudata.core import audit
from satudata.core.errors import NotFound, PermissionDenied, ValidationFailed
from satudata.core.permissions import actor_for
from satudata.monitoring import periods
from satudata.monitoring.models import DaftarData, DataPromise

MAX_TITLE_CHARS = 250


def _require_walidata(actor) -> None:
    if not actor_for(actor).is_walidata:
        raise PermissionDenied(_("Only the walidata may change the Daftar Data."))


def _clean_year(year) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The year must be a number, e.g. 2026.")) from None
    if not 2000 <= value <= 2100:
        raise ValidationFailed(_("Year %(year)s is out of range.") % {"year": value})
    return value


def ensure_daftar(actor, organisation: Organisation, year: int) -> DaftarData:
    """The organisation's Daftar Data of `year`, created (and audited) when missing."""
    _require_walidata(actor)
    year = _clean_year(year)
    with transaction.atomic():
        daftar, created = DaftarData.objects.get_or_create(organisation=organisation, year=year)
        if created:
            audit.record(
                actor,
                "daftar_data.create",
                daftar,
                organisation_id=organisation.pk,
                changes={"year": year},
            )
    return daftar


def _clean_promise(daftar: DaftarData, values: dict) -> dict:
    """Check and normalise promise fields; raises ValidationFailed with a translated message."""
    title = " ".join(str(values.get("title", "")).split())
    if not title:
        raise ValidationFailed(_("The dataset title is required."))
    if len(title) > MAX_TITLE_CHARS:
        raise ValidationFailed(_("The dataset title is too long."))
    try:
        frequency = periods.parse_frequency(values.get("frequency", ""))
        year, number = periods.parse_period(frequency, values.get("period", ""))
    except ValueError as error:
        raise ValidationFailed(str(error)) from None
    dataset = values.get("dataset")
    if dataset is not None and dataset.organisation_id != daftar.organisation_id:
        raise ValidationFailed(
            _("Dataset “%(dataset)s” belongs to another agency.") % {"dataset": dataset.title}
        )
    return {
        "title": title,
        "frequency": frequency,
        "period_year": year,
        "period_number": number,
        "dataset": dataset,
        "notes": str(values.get("notes", "") or "")[:500],
    }


def _snapshot(promise: DataPromise) -> dict:
    return {
        "title": promise.title,
        "frequency": promise.frequency,
        "period": promise.period_label,
        "dataset": promise.dataset.slug if promise.dataset_id else "",
        "due_date": promise.due_date.isoformat(),
    }


def save_promise(
    actor, daftar: DaftarData, promise: DataPromise | None = None, **values
) -> DataPromise:
    """Add a promise to `daftar` (promise None) or change one. `values`: title, frequency
    (yearly/semester/quarterly/monthly or Indonesian), period ("2025", "2026-03", "2026-T1",
    "2026-S2"), dataset (a Dataset of the same agency or None), notes."""
    _require_walidata(actor)
    if not DaftarData.objects.editable_by(actor).filter(pk=daftar.pk).exists():
        raise NotFound(_("Daftar Data not found."))
    cleaned = _clean_promise(daftar, values)
    with transaction.atomic():
        before = _snapshot(promise) if promise is not None else None
        duplicate = DataPromise.objects.filter(
            daftar=daftar,
            title=cleaned["title"],
            period_year=cleaned["period_year"],
            period_number=cleaned["period_number"],
        )
        if promise is not None:
            duplicate = duplicate.exclude(pk=promise.pk)
        if duplicate.exists():
            raise ValidationFailed(_("This dataset is already promised for that period."))
        promise = promise or DataPromise(daftar=daftar)
        for name, value in cleaned.items():
            setattr(promise, name, value)
        promise.save()
        audit.record(
            actor,
            "daftar_data.promise_save" if before else "daftar_data.promise_add",
            promise,
            organisation_id=daftar.organisation_id,
            changes={"before": before, "after": _snapshot(promise)}
            if before
            else _snapshot(promise),
        )
    return promise


def delete_promise(actor, promise: DataPromise) -> None:
    _require_walidata(actor)
    with transaction.atomic():
        audit.record(
            actor,
            "daftar_data.promise_delete",
            promise,
            organisation_id=promise.organisation_id,
            changes=_snapshot(promise),
        )
        promise.delete()


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def import_rows(actor, year: int, rows: list[dict], *, source: str = "") -> ImportResult:
    """Apply parsed template rows (importer.py) for `year`, all or nothing: any bad row (unknown
    agency or dataset, bad frequency or period) raises ValidationFailed listing every bad row,
    and nothing changes."""
    from satudata.catalog.models import Dataset

    _require_walidata(actor)
    year = _clean_year(year)
    organisations = {}
    for org in Organisation.objects.all():
        for key in (org.slug, org.name, org.short_name):
            if key:
                organisations.setdefault(key.strip().lower(), org)
    slugs = {row.get("dataset", "").strip() for row in rows} - {""}
    datasets = {d.slug: d for d in Dataset.objects.filter(slug__in=slugs)}
    errors: list[str] = []
    planned: list[tuple[Organisation, dict]] = []
    for row in rows:
        line = row.get("_line", "?")
        org = organisations.get(str(row.get("organisation", "")).strip().lower())
        if org is None:
            errors.append(
                _("Row %(line)s: unknown agency “%(value)s”.")
                % {"line": line, "value": row.get("organisation", "")}
            )
            continue
        slug = str(row.get("dataset", "")).strip()
        dataset = datasets.get(slug) if slug else None
        if slug and dataset is None:
            errors.append(
                _("Row %(line)s: unknown dataset “%(value)s”.") % {"line": line, "value": slug}
            )
            continue
        try:
            cleaned = _clean_promise(
                DaftarData(organisation=org, year=year), {**row, "dataset": dataset}
            )
        except ValidationFailed as error:
            errors.append(_("Row %(line)s: %(message)s") % {"line": line, "message": error.message})
            continue
        planned.append((org, cleaned))
    if not rows:
        errors.append(_("The file has no rows under its header."))
    if errors:
        raise ValidationFailed(
            _("Nothing was imported: %(count)s rows have problems.") % {"count": len(errors)},
            details={"errors": errors},
        )
    result = ImportResult()
    with transaction.atomic():
        for org, cleaned in planned:
            daftar = ensure_daftar(actor, org, year)
            existing = DataPromise.objects.filter(
                daftar=daftar,
                title=cleaned["title"],
                period_year=cleaned["period_year"],
                period_number=cleaned["period_number"],
            ).first()
            if existing is not None and all(
                getattr(existing, name) == value for name, value in cleaned.items()
            ):
                result.unchanged += 1
                continue
            promise = existing or DataPromise(daftar=daftar)
            for name, value in cleaned.items():
                setattr(promise, name, value)
            promise.save()
            if existing is None:
                result.created += 1
            else:
                result.updated += 1
        if not (result.created or result.updated):
            return result  # nothing changed: nothing to audit (a re-run of the demo)
        audit.record(
            actor,
            "daftar_data.import",
            object_type="monitoring.daftardata",
            object_id=str(year),
            changes={
                "source": source[:200],
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return result
