"""All writes to the catalogue: datasets and topics.

Each service checks the permission through the scoped-queryset layer, changes the data inside one
transaction, and appends an audit event with the changed fields (before/after). Errors are
`satudata.core.errors.*` with translated messages; `details["field"]` names the form field at fault
so that views can show the message next to it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from satudata.accounts.models import Organisation
from satudata.catalog.metadata import clean_bps_metadata, completeness, dataset_values
from satudata.catalog.models import Dataset, Tag, Topic
from satudata.catalog.search import index_text
from satudata.core import audit
from satudata.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from satudata.core.permissions import PRODUCING_ROLES, SYSTEM, Actor, actor_for
from satudata.regions.models import Region

# Paths under /dataset/ that are pages, not datasets.
RESERVED_SLUGS = frozenset({"baru", "kelengkapan"})
SLUG_MAX_CHARS = 120
TAG_MAX_CHARS = 60
TAGS_MAX_PER_DATASET = 30
REGIONS_MAX_PER_DATASET = 200
YEAR_MIN, YEAR_MAX = 1900, 2100

# Filled by the system, never by a caller.
DERIVED_FIELDS = frozenset(
    {
        "id",
        "formats",
        "completeness",
        "search_text",
        "search_title",
        "published_version",
        "published_at",
        "created_at",
        "modified_at",
        "created_by",
    }
)
# Only walidata (and the system) may move a dataset between states; publishing a version is the
# normal way (warehouse.services.publish_version).
WALIDATA_ONLY_FIELDS = frozenset({"state"})
M2M_FIELDS = frozenset({"tags", "regions"})
BPS_FIELDS = frozenset({"ms_keg", "ms_ind", "ms_var"})


def _metadata_fields() -> frozenset[str]:
    names = {f.name for f in Dataset._meta.get_fields() if getattr(f, "editable", False)}
    names |= M2M_FIELDS
    return frozenset(names - DERIVED_FIELDS - {"slug", "title", "organisation"})


METADATA_FIELDS = _metadata_fields()


# --- helpers ------------------------------------------------------------------------------------


def _user_id(actor) -> int | None:
    if isinstance(actor, Actor):
        return actor.user_id
    return getattr(actor, "pk", None)


def _require_producer(actor: Actor, organisation: Organisation) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied(_("Please log in to manage datasets."))
    if actor.is_walidata or organisation.pk in actor.organisations_with(*PRODUCING_ROLES):
        return
    raise PermissionDenied(
        _("You may only manage datasets of organisations where you are a data producer."),
        details={"field": "organisation"},
    )


def _resolve_organisation(value: Organisation | str | int) -> Organisation:
    if isinstance(value, Organisation):
        return value
    lookup = {"pk": value} if isinstance(value, int) else {"slug": value}
    found = Organisation.objects.filter(**lookup).first()
    if found is None:
        raise ValidationFailed(
            _("Organisation '%(value)s' does not exist.") % {"value": value},
            details={"field": "organisation"},
        )
    return found


def _resolve_topic(value: Topic | str | None) -> Topic | None:
    if value in (None, ""):
        return None
    if isinstance(value, Topic):
        return value
    found = Topic.objects.filter(slug=str(value)).first()
    if found is None:
        raise ValidationFailed(
            _("Topic '%(value)s' does not exist.") % {"value": value}, details={"field": "topic"}
        )
    return found


def clean_tag_names(values: Iterable[str] | str | None) -> list[str]:
    """Trimmed, de-duplicated (case-insensitively) tag names; a string is split on commas."""
    if values is None:
        return []
    if isinstance(values, str):
        values = values.split(",")
    names: list[str] = []
    seen: set[str] = set()
    for value in values:
        name = " ".join(str(value).split())
        if not name:
            continue
        if len(name) > TAG_MAX_CHARS:
            raise ValidationFailed(
                _("The tag '%(tag)s' is longer than %(max)d characters.")
                % {"tag": name[:20] + "…", "max": TAG_MAX_CHARS},
                details={"field": "tags"},
            )
        if name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    if len(names) > TAGS_MAX_PER_DATASET:
        raise ValidationFailed(
            _("A dataset can have at most %(max)d tags.") % {"max": TAGS_MAX_PER_DATASET},
            details={"field": "tags"},
        )
    return names


def _tags_for(names: list[str]) -> list[Tag]:
    """Existing tags are reused whatever their case; new ones are created."""
    tags: list[Tag] = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    return tags


def validate_region(code: str) -> Region:
    """One region code, checked by the regions app (format per level and existence)."""
    try:
        from satudata.regions.codes import validate_region_code
    except ImportError:  # the regions helper has not landed yet: existence check only
        validate_region_code = None
    if validate_region_code is not None:
        return validate_region_code(code)
    region = Region.objects.filter(code=str(code).strip()).first()
    if region is None:
        raise ValidationFailed(
            _("'%(code)s' is not a known Kemendagri region code.") % {"code": code},
            details={"field": "regions"},
        )
    return region


def resolve_regions(codes: Iterable[str | Region] | str | None) -> list[Region]:
    """Validate region codes (a list, or one string separated by commas/spaces/new lines)."""
    if codes is None:
        return []
    if isinstance(codes, str):
        codes = codes.replace(",", " ").replace(";", " ").split()
    regions: list[Region] = []
    for code in codes:
        if isinstance(code, Region):
            region = code
        else:
            try:
                region = validate_region(str(code).strip())
            except ValidationFailed as error:
                error.details = {**(error.details or {}), "field": "regions"}
                raise
        if region not in regions:
            regions.append(region)
    if len(regions) > REGIONS_MAX_PER_DATASET:
        raise ValidationFailed(
            _("A dataset can cover at most %(max)d regions; choose the parent region instead.")
            % {"max": REGIONS_MAX_PER_DATASET},
            details={"field": "regions"},
        )
    return regions


def _check_slug(slug: str, *, exclude_pk: int | None = None) -> str:
    slug = (slug or "").strip().lower()
    try:
        validate_slug(slug)
    except ValidationError:
        raise ValidationFailed(
            _("The address may contain only letters, numbers, hyphens and underscores."),
            details={"field": "slug"},
        ) from None
    if len(slug) > SLUG_MAX_CHARS:
        raise ValidationFailed(
            _("The address is longer than %(max)d characters.") % {"max": SLUG_MAX_CHARS},
            details={"field": "slug"},
        )
    if slug in RESERVED_SLUGS:
        raise ValidationFailed(
            _("The address '%(slug)s' is reserved; choose another one.") % {"slug": slug},
            details={"field": "slug"},
        )
    if Dataset.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        raise Conflict(
            _("A dataset with the address '%(slug)s' already exists; choose another one.")
            % {"slug": slug},
            code="duplicate-slug",
            details={"field": "slug"},
        )
    return slug


def _slug_from_title(title: str) -> str:
    """A free slug derived from the title (`-2`, `-3`, … when taken)."""
    base = slugify(title)[: SLUG_MAX_CHARS - 6].strip("-") or "dataset"
    if base in RESERVED_SLUGS:
        base = f"{base}-dataset"
    taken = set(Dataset.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _check_years(values: dict[str, Any], current: Dataset | None = None) -> None:
    for name in ("temporal_start", "temporal_end"):
        year = values.get(name)
        if year in (None, ""):
            continue
        if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
            raise ValidationFailed(
                _("Enter a year between %(min)d and %(max)d.") % {"min": YEAR_MIN, "max": YEAR_MAX},
                details={"field": name},
            )
    start = values.get("temporal_start", getattr(current, "temporal_start", None))
    end = values.get("temporal_end", getattr(current, "temporal_end", None))
    if start and end and end < start:
        raise ValidationFailed(
            _("The last year covered cannot be before the first year."),
            details={"field": "temporal_end"},
        )


def _split_metadata(actor: Actor, metadata: dict[str, Any]) -> tuple[dict, dict]:
    """(plain field values, m2m values) after checking names and cleaning special fields."""
    unknown = sorted(set(metadata) - METADATA_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Unknown dataset fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={"unknown": unknown},
        )
    if set(metadata) & WALIDATA_ONLY_FIELDS and not actor.is_walidata:
        raise PermissionDenied(
            _("Only the walidata may change the state of a dataset."), details={"field": "state"}
        )
    plain: dict[str, Any] = {}
    m2m: dict[str, Any] = {}
    for name, value in metadata.items():
        if name == "tags":
            m2m["tags"] = _tags_for(clean_tag_names(value))
        elif name == "regions":
            m2m["regions"] = resolve_regions(value)
        elif name == "topic":
            plain["topic"] = _resolve_topic(value)
        elif name in BPS_FIELDS:
            plain[name] = clean_bps_metadata(name, value)
        elif name in {"temporal_start", "temporal_end"} and isinstance(value, str):
            plain[name] = int(value) if value.strip().isdigit() else (value.strip() or None)
        elif isinstance(value, str):
            plain[name] = value.strip()
        else:
            plain[name] = value
    _check_years(plain)
    return plain, m2m


def _full_clean(dataset: Dataset) -> None:
    """Model validation (choices, lengths, e-mail …) as one ValidationFailed naming the field."""
    try:
        dataset.full_clean(
            exclude=["slug", "published_version", "created_by"], validate_unique=False
        )
    except ValidationError as error:
        fields = error.message_dict
        first_field = next(iter(fields))
        label = first_field
        # A non-field error keeps its key as the label.
        with contextlib.suppress(FieldDoesNotExist):
            label = str(Dataset._meta.get_field(first_field).verbose_name)
        raise ValidationFailed(
            f"{label}: {' '.join(fields[first_field])}",
            details={"field": first_field, "errors": fields},
        ) from None


def _snapshot_value(value: Any) -> Any:
    if isinstance(value, Topic | Organisation):
        return value.slug
    if isinstance(value, Region):
        return value.pk
    if isinstance(value, Tag):
        return value.name
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return sorted(_snapshot_value(v) for v in value)
    return value


def _current_values(dataset: Dataset, names: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        if name == "tags":
            values[name] = sorted(t.name for t in dataset.tags.all()) if dataset.pk else []
        elif name == "regions":
            values[name] = sorted(r.pk for r in dataset.regions.all()) if dataset.pk else []
        else:
            values[name] = _snapshot_value(getattr(dataset, name))
    return values


def _index_version(dataset: Dataset):
    """The version whose columns and formats the index describes.

    The public version when there is one; for a dataset that is not public yet, its newest
    version (only its own editors can find it then, so nothing leaks).
    """
    if dataset.published_version_id:
        return dataset.published_version
    if dataset.state != "published" and dataset.pk:
        return dataset.versions.order_by("-number").first()
    return None


def _column_words(version) -> list[str]:
    schema = getattr(version, "table_schema", None) or {}
    fields = schema.get("fields") if isinstance(schema, dict) else None
    found: list[str] = []
    for spec in fields or []:
        if isinstance(spec, dict):
            found.extend(str(spec.get(key) or "") for key in ("name", "title"))
    return found


def _formats(version) -> str:
    if version is None:
        return ""
    # What the warehouse offers for this version (every download format, GeoJSON only for
    # spatial data) and the format it was received in (ODS, XLS, …).
    from satudata.warehouse.exports import catalogue_formats

    return ",".join(catalogue_formats(version))


def index_fields(dataset: Dataset) -> dict[str, Any]:
    """The derived fields of a saved dataset: search texts, completeness score and formats."""
    version = _index_version(dataset)
    tags = [tag.name for tag in dataset.tags.all()]
    organisation = dataset.organisation
    topic = dataset.topic
    parts = [
        dataset.title,
        dataset.description,
        *tags,
        *_column_words(version),
        organisation.name,
        organisation.short_name,
        topic.name if topic else "",
        topic.name_en if topic else "",
    ]
    return {
        "search_text": index_text(parts),
        "search_title": index_text([dataset.title]),
        "completeness": completeness(dataset_values(dataset)).score,
        "formats": _formats(version),
    }


def refresh_dataset_index(dataset: Dataset) -> Dataset:
    """Recompute search texts, completeness and formats (after a new version, a rename, …).

    Derived data only, so no audit event; `modified_at` is left alone.
    """
    fields = index_fields(dataset)
    Dataset.objects.filter(pk=dataset.pk).update(**fields)
    for name, value in fields.items():
        setattr(dataset, name, value)
    return dataset


def _save_new(dataset: Dataset) -> None:
    try:
        with transaction.atomic():
            dataset.save()
    except IntegrityError:
        if Dataset.objects.filter(slug=dataset.slug).exists():
            raise Conflict(
                _("A dataset with the address '%(slug)s' already exists; choose another one.")
                % {"slug": dataset.slug},
                code="duplicate-slug",
                details={"field": "slug"},
            ) from None
        raise


# --- services -----------------------------------------------------------------------------------


def create_dataset(
    actor,
    *,
    organisation: Organisation | str | int,
    title: str,
    slug: str | None = None,
    **metadata: Any,
) -> Dataset:
    """Create a dataset for `organisation` (a produsen only for its own; walidata any).

    `metadata` holds Dataset field values; `tags` is a list of names, `regions` a list of
    Kemendagri codes, `topic` a Topic or its slug. Without `slug`, one is made from the title
    (suffixed when taken); a given slug that is taken raises Conflict.
    """
    who = actor_for(actor)
    organisation = _resolve_organisation(organisation)
    _require_producer(who, organisation)
    title = " ".join(str(title or "").split())
    if not title:
        raise ValidationFailed(_("Enter the dataset name."), details={"field": "title"})
    with transaction.atomic():
        plain, m2m = _split_metadata(who, metadata)
        chosen_slug = _check_slug(slug) if slug else _slug_from_title(title)
        dataset = Dataset(
            organisation=organisation,
            title=title,
            slug=chosen_slug,
            created_by_id=_user_id(actor),
            **plain,
        )
        _full_clean(dataset)
        _save_new(dataset)
        for name, objects in m2m.items():
            getattr(dataset, name).set(objects)
        refresh_dataset_index(dataset)
        after = _current_values(dataset, ["slug", "title", "organisation", *plain, *m2m])
        audit.record(
            actor,
            "dataset.create",
            dataset,
            organisation_id=organisation.pk,
            changes={name: {"before": None, "after": value} for name, value in after.items()},
            after=after,
        )
    return dataset


def update_dataset(actor, dataset: Dataset, **metadata: Any) -> Dataset:
    """Change a dataset's metadata; returns the updated dataset.

    Hidden datasets raise NotFound, visible but not editable ones PermissionDenied. Moving a
    dataset to another organisation needs the producer role there too. Changing nothing appends
    no audit event.
    """
    who = actor_for(actor)
    new_slug = metadata.pop("slug", None)
    new_title = metadata.pop("title", None)
    new_organisation = metadata.pop("organisation", None)
    with transaction.atomic():
        current = (
            Dataset.objects.editable_by(who)
            # Lock only the dataset row: PostgreSQL cannot lock the nullable side of the
            # outer join to the topic.
            .select_for_update(of=("self",))
            .select_related("organisation", "topic")
            .filter(pk=dataset.pk)
            .first()
        )
        if current is None:
            if Dataset.objects.visible_to(who).filter(pk=dataset.pk).exists():
                raise PermissionDenied(_("You may not change this dataset."))
            raise NotFound(_("Dataset not found."))
        plain, m2m = _split_metadata(who, metadata)
        if new_title is not None:
            plain["title"] = " ".join(str(new_title).split())
            if not plain["title"]:
                raise ValidationFailed(_("Enter the dataset name."), details={"field": "title"})
        if new_slug is not None and new_slug != current.slug:
            plain["slug"] = _check_slug(new_slug, exclude_pk=current.pk)
        if new_organisation is not None:
            organisation = _resolve_organisation(new_organisation)
            if organisation.pk != current.organisation_id:
                _require_producer(who, organisation)
                plain["organisation"] = organisation
        _check_years(plain, current)
        names = [*plain, *m2m]
        before = _current_values(current, names)
        for name, value in plain.items():
            setattr(current, name, value)
        _full_clean(current)
        after_plain = _current_values(current, list(plain))
        after_m2m = {
            name: sorted(_snapshot_value(obj) for obj in objects) for name, objects in m2m.items()
        }
        after = {**after_plain, **after_m2m}
        changes = {
            name: {"before": before[name], "after": after[name]}
            for name in names
            if before[name] != after[name]
        }
        if not changes:
            return current
        current.save()
        for name, objects in m2m.items():
            if name in changes:
                getattr(current, name).set(objects)
        refresh_dataset_index(current)
        audit.record(
            actor,
            "dataset.update",
            current,
            organisation_id=current.organisation_id,
            changes=changes,
            before={name: before[name] for name in changes},
            after={name: after[name] for name in changes},
        )
    return current


def ensure_topic(
    slug: str,
    name: str,
    name_en: str = "",
    *,
    description: str | None = None,
    ordering: int | None = None,
    actor=SYSTEM,
) -> Topic:
    """Create the topic, or bring an existing one to these names; unchanged → no write, no event."""
    who = actor_for(actor)
    if not who.is_walidata:
        raise PermissionDenied(_("Only the walidata may manage topics."))
    slug = (slug or "").strip()
    try:
        validate_slug(slug)
    except ValidationError:
        raise ValidationFailed(
            _("The address may contain only letters, numbers, hyphens and underscores."),
            details={"field": "slug"},
        ) from None
    wanted: dict[str, Any] = {"name": name.strip(), "name_en": (name_en or "").strip()}
    if not wanted["name"]:
        raise ValidationFailed(_("Enter the topic name."), details={"field": "name"})
    if description is not None:
        wanted["description"] = description.strip()
    if ordering is not None:
        wanted["ordering"] = ordering
    with transaction.atomic():
        topic = Topic.objects.select_for_update().filter(slug=slug).first()
        if topic is None:
            topic = Topic.objects.create(slug=slug, **wanted)
            audit.record(
                actor,
                "topic.create",
                topic,
                changes={k: {"before": None, "after": v} for k, v in wanted.items()},
            )
            return topic
        changes = {
            key: {"before": getattr(topic, key), "after": value}
            for key, value in wanted.items()
            if getattr(topic, key) != value
        }
        if changes:
            for key, value in wanted.items():
                setattr(topic, key, value)
            topic.save()
            audit.record(actor, "topic.update", topic, changes=changes)
    return topic
