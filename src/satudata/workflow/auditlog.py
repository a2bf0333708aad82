"""Reading the hash-chained audit log for the audit trail viewer: filters, CSV rows and the
(briefly cached) chain verification status. Only walidata and admins may read it (`may_read`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.core.audit import canonical_json, verify_chain
from satudata.core.models import AuditEvent, AuditHead
from satudata.core.permissions import actor_for
from satudata.workflow import conf

CHAIN_CACHE_PREFIX = "satudata:audit-chain:1:"
ACTIONS_CACHE_KEY = "satudata:audit-actions:1"
ACTIONS_CACHE_S = 60
FILTER_TEXT_MAX_CHARS = 150
CSV_COLUMNS = (
    "id",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "organisation_id",
    "organisation",
    "changes",
    "request_id",
    "prev_hash",
    "hash",
)


def may_read(user) -> bool:
    """Walidata and admins (and the system) read the audit trail."""
    return actor_for(user).is_walidata


# --- filters --------------------------------------------------------------------------------------


def known_actions() -> list[str]:
    found = cache.get(ACTIONS_CACHE_KEY)
    if found is None:
        found = list(
            AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        )
        cache.set(ACTIONS_CACHE_KEY, found, ACTIONS_CACHE_S)
    return found


class AuditFilterForm(forms.Form):
    """The viewer's filters (GET). Every field is optional; unknown values get a message."""

    pengguna = forms.CharField(
        label=gettext_lazy("User"), required=False, max_length=FILTER_TEXT_MAX_CHARS
    )
    organisasi = forms.ChoiceField(label=gettext_lazy("Organisation"), required=False)
    dataset = forms.CharField(
        label=gettext_lazy("Dataset (address)"),
        required=False,
        max_length=FILTER_TEXT_MAX_CHARS,
        help_text=gettext_lazy("The dataset's address, e.g. jumlah-penduduk-2023."),
    )
    # A select of the actions seen in the log (cached briefly), but any well-formed action name
    # (or "group.*") is accepted: one that appeared since the list was cached still filters.
    aksi = forms.RegexField(
        label=gettext_lazy("Action"),
        required=False,
        regex=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$",
        max_length=80,
        error_messages={"invalid": gettext_lazy("Unknown action name.")},
        widget=forms.Select,
    )
    dari = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sampai = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from satudata.accounts.models import Organisation

        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name").values_list("slug", "name")
        self.fields["organisasi"].choices = [("", _("All organisations")), *organisations]
        actions = known_actions()
        groups = sorted({action.split(".")[0] + ".*" for action in actions if "." in action})
        choices = [("", _("All actions")), *[(g, g) for g in groups], *[(a, a) for a in actions]]
        chosen = self.data.get("aksi") if self.is_bound else None
        if chosen and chosen not in {value for value, _label in choices}:
            choices.append((chosen, chosen))
        self.fields["aksi"].widget.choices = choices

    def clean_pengguna(self) -> Any:
        name = self.cleaned_data["pengguna"].strip()
        if not name:
            return None
        user = get_user_model().objects.filter(username__iexact=name).first()
        if user is None and not AuditEvent.objects.filter(actor_label__iexact=name).exists():
            raise forms.ValidationError(
                _("No user “%(name)s” appears in the log.") % {"name": name}
            )
        return (name, user.pk if user else None)

    def clean_organisasi(self) -> Any:
        from satudata.accounts.models import Organisation

        slug = self.cleaned_data["organisasi"]
        return Organisation.objects.filter(slug=slug).first() if slug else None

    def clean_dataset(self) -> Any:
        from satudata.catalog.models import Dataset

        slug = self.cleaned_data["dataset"].strip().strip("/").rsplit("/", 1)[-1]
        if not slug:
            return None
        found = Dataset.objects.filter(slug=slug).first()
        if found is None:
            raise forms.ValidationError(
                _("No dataset has the address “%(slug)s”.") % {"slug": slug}
            )
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("dari"), data.get("sampai")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _dataset_condition(dataset) -> Q:
    """Events about the dataset itself, its versions (uploads, reviews, publication) and its
    upload jobs."""
    from satudata.warehouse.models import IngestJob, Version

    versions = [
        str(pk) for pk in Version.objects.filter(dataset=dataset).values_list("pk", flat=True)
    ]
    jobs = [
        str(pk) for pk in IngestJob.objects.filter(dataset=dataset).values_list("pk", flat=True)
    ]
    condition = Q(object_type="catalog.dataset", object_id=str(dataset.pk))
    if versions:
        condition |= Q(object_type="warehouse.version", object_id__in=versions)
    if jobs:
        condition |= Q(object_type="warehouse.ingestjob", object_id__in=jobs)
    return condition


def filtered_events(filters: dict[str, Any]) -> QuerySet:
    """The events matching cleaned `AuditFilterForm` data, newest first."""
    events = AuditEvent.objects.order_by("-pk")
    who = filters.get("pengguna")
    if who:
        name, user_id = who
        condition = Q(actor_label__iexact=name)
        if user_id is not None:
            condition |= Q(actor_id=user_id)
        events = events.filter(condition)
    if filters.get("organisasi") is not None:
        events = events.filter(organisation_id=filters["organisasi"].pk)
    if filters.get("dataset") is not None:
        events = events.filter(_dataset_condition(filters["dataset"]))
    action = filters.get("aksi")
    if action:
        if action.endswith(".*"):
            events = events.filter(action__startswith=action[:-1])
        else:
            events = events.filter(action=action)
    if filters.get("dari"):
        events = events.filter(created_at__gte=_day_start(filters["dari"]))
    if filters.get("sampai"):
        events = events.filter(created_at__lt=_day_start(filters["sampai"] + dt.timedelta(days=1)))
    return events


def organisation_names(ids: set[int]) -> dict[int, str]:
    from satudata.accounts.models import Organisation

    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))


# --- CSV ------------------------------------------------------------------------------------------


def csv_rows(events: QuerySet, limit: int | None = None) -> Iterator[list[str]]:
    """The header, then one row per event (formula-escaped), read in batches."""
    from satudata.warehouse.exports.escape import escape_text

    yield list(CSV_COLUMNS)
    limit = conf.audit_export_max_rows() if limit is None else limit
    names: dict[int, str] = {}
    for count, event in enumerate(events.iterator(chunk_size=2000)):
        if count >= limit:
            return
        org = event.organisation_id
        if org is not None and org not in names:
            names.update(organisation_names({org}))
        values = [
            event.pk,
            timezone.localtime(event.created_at).isoformat(),
            event.actor_id if event.actor_id is not None else "",
            event.actor_label,
            event.action,
            event.object_type,
            event.object_id,
            event.object_label,
            org if org is not None else "",
            names.get(org, "") if org is not None else "",
            canonical_json(event.changes),
            event.request_id,
            event.prev_hash,
            event.hash,
        ]
        yield [escape_text(str(value)) for value in values]


# --- chain status ---------------------------------------------------------------------------------


@dataclass
class ChainStatus:
    ok: bool
    checked: int
    broken_event_id: int | None
    reason: str
    verified_at: dt.datetime


def chain_status() -> ChainStatus:
    """`core.audit.verify_chain()`, reused for `SATUDATA_AUDIT_CHAIN_CACHE_S` seconds while the
    chain's head has not moved (it walks the whole chain)."""
    head = AuditHead.objects.filter(singleton=1).values_list("last_hash", flat=True).first()
    key = CHAIN_CACHE_PREFIX + (head or "empty")
    found = cache.get(key)
    if found is not None:
        return found
    report = verify_chain()
    status = ChainStatus(
        ok=report.ok,
        checked=report.checked,
        broken_event_id=report.broken.event_id if report.broken else None,
        reason=report.broken.reason if report.broken else "",
        verified_at=timezone.now(),
    )
    cache.set(key, status, conf.audit_chain_cache_s())
    return status
