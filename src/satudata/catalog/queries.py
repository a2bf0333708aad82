"""Read helpers for the catalogue pages, always scoped through `visible_to(user)`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Count, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import Organisation, User
from satudata.catalog.metadata import (
    MS_IND_FIELDS,
    MS_KEG_FIELDS,
    MS_VAR_FIELDS,
    BpsField,
)
from satudata.catalog.models import LICENCE_URLS, Dataset, Topic
from satudata.core.models import AuditEvent

ACTIVITY_MAX_EVENTS = 30
HOME_NEWEST_COUNT = 6

ACTION_LABELS = {
    "dataset.create": _("created the dataset"),
    "dataset.update": _("changed the metadata"),
    "dataset.publish": _("published the dataset"),
    "dataset.withdraw": _("withdrew the dataset"),
    "version.create": _("uploaded a new version"),
    "version.ingest": _("uploaded a new version"),
    "version.upload": _("uploaded a new version"),
    "version.publish": _("published a version"),
    "version.submit": _("submitted a version for review"),
    "version.return": _("returned a version for correction"),
    "version.verify": _("verified a version"),
    "version.withdraw": _("withdrew a version"),
    "version.restore": _("restored an older version as a new draft"),
    "version.acknowledge_warnings": _("acknowledged the validation warnings"),
}


def dataset_for_page(user, slug: str) -> Dataset | None:
    """The dataset behind /dataset/<slug> if `user` may see it, with what the page shows."""
    return (
        Dataset.objects.visible_to(user)
        .select_related("organisation", "topic", "published_version", "created_by")
        .prefetch_related("tags", "regions")
        .filter(slug=slug)
        .first()
    )


def visible_counts_by(user, field: str) -> dict[Any, int]:
    """{value of `field`: number of datasets `user` may see} in one grouped query."""
    rows = Dataset.objects.visible_to(user).order_by().values_list(field).annotate(n=Count("id"))
    return dict(rows)


@dataclass
class ActivityRow:
    when: Any
    who: str
    what: str
    action: str
    fields: list[str]
    target: str


def _field_label(name: str) -> str:
    try:
        return str(Dataset._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a key from an older schema shows as is
        return name


def dataset_activity(user, dataset: Dataset, limit: int = ACTIVITY_MAX_EVENTS) -> list[ActivityRow]:
    """Audit events of the dataset and of the versions `user` may see, newest first."""
    from satudata.warehouse.models import Version

    version_ids = (
        Version.objects.visible_to(user)
        .filter(dataset_id=dataset.pk)
        .annotate(id_text=Cast("pk", output_field=CharField()))
        .values("id_text")
    )
    events = list(
        AuditEvent.objects.filter(
            Q(object_type="catalog.dataset", object_id=str(dataset.pk))
            | Q(object_type="warehouse.version", object_id__in=version_ids)
        ).order_by("-created_at", "-id")[:limit]
    )
    actor_ids = {event.actor_id for event in events if event.actor_id}
    names = {
        user.pk: user.display_name()
        for user in User.objects.filter(pk__in=actor_ids).only(
            "pk", "username", "full_name", "first_name", "last_name"
        )
    }
    rows: list[ActivityRow] = []
    for event in events:
        changes = event.changes if isinstance(event.changes, dict) else {}
        fields = (
            sorted(_field_label(name) for name in changes)
            if event.action == "dataset.update"
            else []
        )
        rows.append(
            ActivityRow(
                when=event.created_at,
                who=names.get(event.actor_id, event.actor_label),
                what=str(ACTION_LABELS.get(event.action, event.action)),
                action=event.action,
                fields=fields,
                target=event.object_label if event.object_type != "catalog.dataset" else "",
            )
        )
    return rows


def _bps_rows(stored: dict, specs: tuple[BpsField, ...]) -> list[tuple[str, str]]:
    if not isinstance(stored, dict):
        return []
    rows = []
    for spec in specs:
        value = stored.get(spec.key)
        if value in (None, ""):
            continue
        choices = dict(spec.choices)
        rows.append((str(spec.label), str(choices.get(value, value))))
    return rows


def bps_metadata(dataset: Dataset) -> dict[str, Any]:
    """MS-Keg / MS-Ind rows and the MS-Var table, only the parts that are filled in."""
    ms_var = dataset.ms_var if isinstance(dataset.ms_var, dict) else {}
    used_keys = [
        spec
        for spec in MS_VAR_FIELDS
        if any(isinstance(entry, dict) and entry.get(spec.key) for entry in ms_var.values())
    ]
    var_rows = [
        (column, [str((entry or {}).get(spec.key, "")) for spec in used_keys])
        for column, entry in ms_var.items()
    ]
    return {
        "ms_keg": _bps_rows(dataset.ms_keg, MS_KEG_FIELDS),
        "ms_ind": _bps_rows(dataset.ms_ind, MS_IND_FIELDS),
        "ms_var_headers": [str(spec.label) for spec in used_keys],
        "ms_var_rows": var_rows,
    }


def licence_url(dataset: Dataset) -> str:
    return LICENCE_URLS.get(dataset.licence, "")


def topics_with_counts(user, counts: dict | None = None) -> list[Topic]:
    """Every topic with `dataset_count` (datasets `user` may see); `counts` may be passed in."""
    if counts is None:
        counts = visible_counts_by(user, "topic_id")
    topics = list(Topic.objects.visible_to(user))
    for topic in topics:
        topic.dataset_count = counts.get(topic.pk, 0)
    return topics


def organisations_with_counts(user) -> list[Organisation]:
    counts = visible_counts_by(user, "organisation_id")
    organisations = list(Organisation.objects.visible_to(user).order_by("name"))
    for organisation in organisations:
        organisation.dataset_count = counts.get(organisation.pk, 0)
    return organisations


def newest_datasets(user, count: int = HOME_NEWEST_COUNT) -> list[Dataset]:
    from satudata.catalog.search import for_listing

    newest = for_listing(Dataset.objects.visible_to(user)).order_by("-modified_at", "-pk")
    return prepare_listing(newest[:count])


@dataclass
class MetadataRow:
    label: str
    value: Any
    url: str = ""
    kind: str = "text"  # text | date | datetime | email | list | multiline


def _coverage_years(dataset: Dataset) -> str:
    start, end = dataset.temporal_start, dataset.temporal_end
    if start and end and end != start:
        return f"{start}\N{EN DASH}{end}"
    return str(start or end or "")


def metadata_rows(dataset: Dataset) -> list[MetadataRow]:
    """The standard metadata of a dataset page, in the order of the regency's standard."""
    organisation = dataset.organisation
    rows = [
        MetadataRow(str(_("Dataset name")), dataset.title),
        MetadataRow(
            str(_("Managing agency (OPD)")),
            organisation.name,
            url=reverse("catalog:organization_detail", args=[organisation.slug]),
        ),
        MetadataRow(str(_("Update frequency")), dataset.get_frequency_display()),
        MetadataRow(str(_("Data source")), dataset.data_source),
        MetadataRow(str(_("Collection method")), dataset.get_collection_method_display()),
        MetadataRow(
            str(_("Collection method details")), dataset.collection_method_detail, kind="multiline"
        ),
        MetadataRow(str(_("Reference codes & format")), dataset.reference_codes),
        MetadataRow(str(_("Formats")), ", ".join(p for p in dataset.formats.split(",") if p)),
        MetadataRow(str(_("Release date")), dataset.release_date, kind="date"),
        MetadataRow(str(_("Last modified date")), dataset.modified_at, kind="datetime"),
        MetadataRow(str(_("Sector / topic")), dataset.topic, kind="topic"),
        MetadataRow(str(_("Unit of measure")), dataset.unit),
        MetadataRow(str(_("Presentation level")), dataset.get_presentation_level_display()),
        MetadataRow(str(_("Temporal coverage")), _coverage_years(dataset)),
        MetadataRow(str(_("Classification")), dataset.get_classification_display()),
        MetadataRow(
            str(_("Licence")),
            dataset.get_licence_display(),
            url=LICENCE_URLS.get(dataset.licence, ""),
        ),
        MetadataRow(str(_("Contact person")), dataset.contact_name),
        MetadataRow(str(_("Contact e-mail")), dataset.contact_email, kind="email"),
    ]
    if dataset.published_at:
        rows.append(MetadataRow(str(_("Published")), dataset.published_at, kind="datetime"))
    return rows


# How many tags a result row shows, and how many words of the description.
LISTING_TAGS = 5
LISTING_DESCRIPTION_WORDS = 30


def prepare_listing(datasets: Iterable[Dataset]) -> list[Dataset]:
    """Attach what a result row shows (URL, labels, badges), computed once in Python.

    Cheaper than template filters per row, which matters on 50-row pages; expects
    `search.for_listing` (organisation, topic and tags already loaded).
    """
    language = (get_language() or "id").split("-")[0]
    placeholder = "slug-placeholder"
    pattern = reverse("catalog:dataset_detail", args=[placeholder])
    rows = list(datasets)
    for dataset in rows:
        dataset.url = pattern.replace(placeholder, dataset.slug)
        organisation = dataset.organisation
        dataset.organisation_label = organisation.short_name or organisation.name
        dataset.topic_label = dataset.topic.display_name(language) if dataset.topic else ""
        dataset.format_list = [part for part in dataset.formats.split(",") if part]
        dataset.tag_names = [tag.name for tag in dataset.tags.all()][:LISTING_TAGS]
        dataset.description_excerpt = Truncator(dataset.description).words(
            LISTING_DESCRIPTION_WORDS
        )
    return rows
