"""Read helpers for the workflow, always through the permission layer: which versions a user
may see for review, a version's situation and state token, the review queue, the review page,
the dataset page's workflow panel, and comment targets."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.catalog.models import Dataset
from satudata.core.errors import ValidationFailed
from satudata.core.permissions import ROLE_PEMBINA, actor_for
from satudata.warehouse.models import Version, VersionStatus
from satudata.workflow import conf, engine
from satudata.workflow.engine import Situation
from satudata.workflow.models import (
    Comment,
    CommentKind,
    CommentTarget,
    Review,
    Transition,
    WorkflowStep,
)

# The queue shows at most this many rows per section (oldest first), then says how many more.
QUEUE_ROWS_MAX = 500
CELL_VALUE_MAX_CHARS = 300


# --- visibility ---------------------------------------------------------------------------------


def visible_versions(user) -> QuerySet:
    """Versions whose review `user` may open: every version of their own organisation's
    datasets (a village operator's desa data included), every version of the datasets an
    overseeing role (pembina, pimpinan) may see, and those under a review they may see (a
    kecamatan verifier's desa submissions). Seeing a published version is not enough: the
    review's discussion stays inside those taking part."""
    actor = actor_for(user)
    if not actor.is_authenticated:
        return Version.objects.none()
    if actor.is_walidata:
        return Version.objects.all()
    visible = Dataset.objects.visible_to(actor)
    condition = Q(dataset__organisation_id__in=actor.organisation_ids, dataset__in=visible)
    if actor.oversees_all:
        condition |= Q(dataset__in=visible)
    condition |= Q(pk__in=Review.objects.visible_to(actor).values("version_id"))
    return Version.objects.filter(condition)


# --- one version's situation ---------------------------------------------------------------------


def situation(version: Version, *, review: Review | None = None, dataset=None) -> Situation:
    """What the rules need about `version` (review read when not given; no locking)."""
    if dataset is None:
        dataset = Dataset.objects.select_related("organisation").get(pk=version.dataset_id)
    if review is None:
        review = Review.objects.filter(version_id=version.pk).select_related("definition").first()
    if review is not None and version.status not in engine.SUBMITTABLE:
        definition = review.definition
        organisation_id, region_code = review.organisation_id, review.region_code
    else:  # (re)submission: the dataset's flow and organisation as they are now
        definition = engine.definition_for(dataset)
        organisation_id = dataset.organisation_id
        region_code = dataset.organisation.region_id or ""
    return Situation(
        version=version,
        dataset=dataset,
        definition=definition,
        steps=engine.steps_of(definition),
        review=review,
        organisation_id=organisation_id,
        region_code=region_code,
    )


def state_token(situation: Situation) -> str:
    """What a page's forms carry: changes with every transition and every metadata edit, so an
    action from a page opened before either is refused (services._check_token)."""
    revision = situation.review.revision if situation.review is not None else 0
    modified = situation.dataset.modified_at
    stamp = int(modified.timestamp() * 1_000_000) if modified else 0
    return f"{situation.status}.{revision}.{stamp}"


def step_label(step: WorkflowStep) -> str:
    """Who acts at a step, in the reader's language (role names)."""
    from satudata.accounts.models import Role

    names = []
    for role in step.roles or []:
        try:
            names.append(str(Role(role).label))
        except ValueError:
            names.append(role)
    return ", ".join(names) or step.label


def missing_metadata(dataset) -> list[str]:
    """Labels of the required metadata the dataset still lacks (catalog.metadata)."""
    from satudata.catalog.metadata import completeness, dataset_values

    return [str(label) for _key, label in completeness(dataset_values(dataset)).missing]


def pembina_users() -> set:
    return set(
        get_user_model().objects.filter(memberships__role=ROLE_PEMBINA, is_active=True).distinct()
    )


# --- comment targets -----------------------------------------------------------------------------


@dataclass
class Pin:
    """Where a comment points: nothing (the whole version), a metadata field, a column, a cell."""

    target: str = CommentTarget.GENERAL
    field: str = ""
    column: str = ""
    row: int | None = None
    cell_value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in ("", None)}


def schema_columns(version: Version) -> list[str]:
    fields = (version.table_schema or {}).get("fields", [])
    return [f["name"] for f in fields if isinstance(f, dict) and f.get("name")]


def metadata_fields(version: Version, dataset) -> list[tuple[str, str]]:
    """(key, label) of every metadata field a comment can be pinned to: the catalogue fields,
    then the BPS statistical metadata (MS-Keg, MS-Ind, and MS-Var per column)."""
    from satudata.catalog.metadata import CATALOGUE_ITEMS, MS_IND_FIELDS, MS_KEG_FIELDS

    found = [(item.key, str(item.label)) for item in CATALOGUE_ITEMS]
    found += [(f"ms_keg.{spec.key}", f"MS-Keg: {spec.label}") for spec in MS_KEG_FIELDS]
    found += [(f"ms_ind.{spec.key}", f"MS-Ind: {spec.label}") for spec in MS_IND_FIELDS]
    found += [(f"ms_var.{name}", f"MS-Var: {name}") for name in schema_columns(version)]
    return found


def is_statistical_field(pin: Pin) -> bool:
    return pin.target == CommentTarget.METADATA and pin.field.startswith(
        ("ms_keg.", "ms_ind.", "ms_var.")
    )


def _row_number(value: Any, version: Version) -> int:
    try:
        row = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("The row must be a whole number between 1 and %(rows)d.")
            % {"rows": version.row_count},
            details={"field": "row"},
        ) from None
    if not 1 <= row <= version.row_count:
        raise ValidationFailed(
            _("Row %(row)s does not exist: version %(number)d has %(rows)d rows.")
            % {"row": row, "number": version.number, "rows": version.row_count},
            details={"field": "row"},
        )
    return row


def cell_value(version: Version, row: int, column: str) -> str:
    """The text of one cell (row 1 = the first data row), for the comment's context."""
    from satudata.warehouse.dataview import DataQuery, data_page

    page = data_page(version, DataQuery(page=row, page_size=1))
    if not page.rows:
        return ""
    names = [c["name"] for c in page.columns]
    value = page.rows[0][names.index(column)]
    return "" if value is None else str(value)[:CELL_VALUE_MAX_CHARS]


def clean_target(
    version: Version,
    dataset,
    target: str,
    *,
    field: str = "",
    column: str = "",
    row: Any = None,
) -> Pin:
    """Check where a comment points (unknown field, column or row → a clear ValidationFailed)."""
    target = str(target or CommentTarget.GENERAL)
    if target not in CommentTarget.values:
        raise ValidationFailed(_("Choose what the comment is about."), details={"field": "target"})
    if target == CommentTarget.GENERAL:
        return Pin()
    if target == CommentTarget.METADATA:
        known = dict(metadata_fields(version, dataset))
        if field not in known:
            raise ValidationFailed(
                _("Choose the metadata field the comment is about."), details={"field": "field"}
            )
        return Pin(target=target, field=field)
    columns = schema_columns(version)
    if column not in columns:
        raise ValidationFailed(
            _("Column “%(column)s” is not in version %(number)d.")
            % {"column": str(column)[:100], "number": version.number}
            if column
            else _("Choose the column the comment is about."),
            details={"field": "column"},
        )
    if target == CommentTarget.COLUMN:
        return Pin(target=target, column=column)
    number = _row_number(row, version)
    return Pin(
        target=target, column=column, row=number, cell_value=cell_value(version, number, column)
    )


def pin_label(comment: Comment, fields: dict[str, str]) -> str:
    """Where a comment points, in words."""
    if comment.target == CommentTarget.METADATA:
        return _("Metadata: %(field)s") % {"field": fields.get(comment.field, comment.field)}
    if comment.target == CommentTarget.COLUMN:
        return _("Column “%(column)s”") % {"column": comment.column}
    if comment.target == CommentTarget.CELL:
        return _("Cell: row %(row)s, column “%(column)s”") % {
            "row": comment.row,
            "column": comment.column,
        }
    return ""


# --- the review queue ----------------------------------------------------------------------------


@dataclass
class QueueRow:
    review: Review
    version: Version
    dataset: Any
    waits_for: str
    waiting_since: Any
    days: int
    overdue: bool
    url: str


def _queue_row(review: Review, now, overdue_days: int) -> QueueRow:
    version = review.version
    steps = sorted(review.definition.steps.all(), key=lambda step: step.position)
    step = steps[review.tier] if version.status != VersionStatus.DIKEMBALIKAN else steps[0]
    since = review.waiting_since or review.submitted_at or review.created_at
    days = max(0, (now - since).days)
    return QueueRow(
        review=review,
        version=version,
        dataset=review.dataset,
        waits_for=step_label(step),
        waiting_since=since,
        days=days,
        overdue=version.status in engine.UNDER_REVIEW and days >= overdue_days,
        url=reverse("workflow:review", args=[review.dataset.slug, version.number]),
    )


def review_queue(user) -> dict[str, Any]:
    """What waits for `user` (oldest first) and what else is under way that they may see."""
    actor = actor_for(user)
    now = timezone.now()
    overdue_days = conf.review_overdue_days()
    reviews = (
        Review.objects.visible_to(actor)
        .filter(
            version__status__in=[
                VersionStatus.DIAJUKAN,
                VersionStatus.DIVERIFIKASI,
                VersionStatus.DIKEMBALIKAN,
            ]
        )
        .select_related("version", "dataset", "dataset__organisation", "definition")
        .prefetch_related("definition__steps")
        .order_by("waiting_since", "pk")
    )
    mine: list[QueueRow] = []
    others: list[QueueRow] = []
    for review in reviews[: QUEUE_ROWS_MAX * 2]:
        steps = sorted(review.definition.steps.all(), key=lambda step: step.position)
        if review.version.status == VersionStatus.DIKEMBALIKAN:
            step = steps[0]
            region = review.dataset.organisation.region_id or ""
            organisation_id = review.dataset.organisation_id
        else:
            step = steps[min(review.tier, len(steps) - 1)]
            region, organisation_id = review.region_code, review.organisation_id
        row = _queue_row(review, now, overdue_days)
        if engine.may_act(actor, step, organisation_id, region):
            mine.append(row)
        else:
            others.append(row)
    return {
        "waiting_for_you": mine[:QUEUE_ROWS_MAX],
        "in_progress": others[:QUEUE_ROWS_MAX],
        "overdue_days": overdue_days,
        "more": max(0, len(mine) - QUEUE_ROWS_MAX) + max(0, len(others) - QUEUE_ROWS_MAX),
    }


# --- the review page -----------------------------------------------------------------------------


def review_version(user, slug: str, number: int) -> Version | None:
    """The version at /tinjauan/<slug>/<number> if `user` may open it (else None → 404)."""
    if not 0 < number < 2**31:
        return None
    return (
        visible_versions(user)
        .filter(dataset__slug=slug, number=number)
        .select_related("dataset", "dataset__organisation", "dataset__topic", "created_by")
        .first()
    )


def _metadata_rows(dataset, fields: dict[str, str]) -> list[dict[str, Any]]:
    from satudata.catalog.metadata import CATALOGUE_ITEMS

    rows = []
    for item in CATALOGUE_ITEMS:
        values = []
        for name in item.source_fields:
            value = getattr(dataset, name, "")
            if name in ("tags", "regions"):
                value = ", ".join(str(obj) for obj in value.all())
            elif hasattr(dataset, f"get_{name}_display"):
                value = getattr(dataset, f"get_{name}_display")()
            value = _readable(value)
            if value not in (None, ""):
                values.append(str(value))
        rows.append({"key": item.key, "label": fields[item.key], "value": " - ".join(values)})
    return rows


def _readable(value: Any) -> Any:
    """Dates and times in the reader's format (and local time)."""
    import datetime as dt

    from django.utils.formats import date_format

    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_format(value)
    return value


def _bps_rows(dataset) -> list[dict[str, Any]]:
    from satudata.catalog.metadata import MS_IND_FIELDS, MS_KEG_FIELDS

    rows = []
    for block, prefix, specs in (
        ("ms_keg", "MS-Keg", MS_KEG_FIELDS),
        ("ms_ind", "MS-Ind", MS_IND_FIELDS),
    ):
        stored = getattr(dataset, block) or {}
        for spec in specs:
            rows.append(
                {
                    "key": f"{block}.{spec.key}",
                    "label": f"{prefix}: {spec.label}",
                    "value": str(stored.get(spec.key, "") or ""),
                }
            )
    return rows


def _threads(version: Version, fields: dict[str, str]) -> list[dict[str, Any]]:
    comments = list(Comment.objects.filter(version=version).order_by("created_at", "pk"))
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    return [
        {
            "comment": comment,
            "where": pin_label(comment, fields),
            "is_recommendation": comment.kind == CommentKind.RECOMMENDATION,
            "replies": replies.get(comment.pk, []),
        }
        for comment in comments
        if not comment.parent_id
    ]


def _data_preview(version: Version, page_number: int):
    from satudata.warehouse.dataview import DataQuery, data_page

    size = conf.review_preview_rows()
    return data_page(version, DataQuery(page=max(1, page_number), page_size=size))


def _data_rows(preview) -> list[dict[str, Any]]:
    """The preview's rows with their row numbers (1 = first data row) and column names, for
    the cells a comment can be pinned to."""
    names = [column["name"] for column in preview.columns]
    return [
        {
            "number": preview.first_row + index,
            "cells": [{**cell, "column": name} for cell, name in zip(cells, names, strict=False)],
        }
        for index, cells in enumerate(preview.table_rows)
    ]


def _report_url(dataset, version: Version) -> str:
    """The validation report page, when the warehouse offers one."""
    from django.urls import NoReverseMatch

    for name in ("warehouse:version_report", "warehouse:report"):
        try:
            return reverse(name, args=[dataset.slug, version.number])
        except NoReverseMatch:
            continue
    return ""


def _flow_steps(sit: Situation) -> list[dict[str, Any]]:
    done_upto = sit.tier if sit.status in engine.UNDER_REVIEW else 0
    if sit.status in (VersionStatus.TERBIT, VersionStatus.DITARIK):
        done_upto = len(sit.steps)
    return [
        {
            "action": step.get_action_display(),
            "who": step_label(step),
            "done": index < done_upto,
            "current": sit.current_step is not None and step.pk == sit.current_step.pk,
        }
        for index, step in enumerate(sit.steps)
    ]


def review_page(user, version: Version, *, page_number: int = 1) -> dict[str, Any]:
    """Everything the review page shows for `version` (already checked visible)."""
    actor = actor_for(user)
    dataset = version.dataset
    sit = situation(version, dataset=dataset)
    actions = engine.allowed_actions(actor, sit)
    fields = dict(metadata_fields(version, dataset))
    missing = missing_metadata(dataset)
    report = version.report or {}
    preview = _data_preview(version, page_number)
    return {
        "dataset": dataset,
        "version": version,
        "situation": sit,
        "flow": sit.definition,
        "flow_steps": _flow_steps(sit),
        "waits_for": step_label(sit.current_step) if sit.current_step else "",
        "token": state_token(sit),
        "actions": actions,
        "can_act": bool(actions & set(engine.TRANSITIONS)),
        "metadata_rows": _metadata_rows(dataset, fields),
        "bps_rows": _bps_rows(dataset) if dataset.is_statistical else [],
        "missing_metadata": missing,
        "metadata_fields": list(fields.items()),
        "columns": schema_columns(version),
        "schema_fields": [
            f for f in (version.table_schema or {}).get("fields", []) if isinstance(f, dict)
        ],
        "preview": preview,
        "data_rows": _data_rows(preview),
        "report_url": _report_url(dataset, version),
        "report_errors": (report.get("errors") or [])[:10],
        "report_warnings": (report.get("warnings") or [])[:10],
        "warnings_unacknowledged": bool(
            version.warning_count and version.warnings_acknowledged_at is None
        ),
        "threads": _threads(version, fields),
        "transitions": list(
            Transition.objects.filter(version=version).order_by("created_at", "pk")
        ),
        "comment_targets": CommentTarget.choices,
        "is_recommender": engine.ACTION_RECOMMEND in actions and not sit.is_participant(actor),
        **_flow_choice(actor, dataset),
    }


def _flow_choice(actor, dataset) -> dict[str, Any]:
    """For the walidata: the flows to choose from and the one chosen for this dataset."""
    from satudata.workflow.models import DatasetFlow, WorkflowDefinition

    if not actor.is_walidata:
        return {}
    chosen = DatasetFlow.objects.filter(dataset=dataset).values_list("definition__slug", flat=True)
    return {
        "flow_choices": list(WorkflowDefinition.objects.values_list("slug", "name")),
        "chosen_flow": chosen.first() or "",
        "next_flow": engine.definition_for(dataset),
    }


# --- the dataset page's panel --------------------------------------------------------------------


def workflow_panel(user, dataset, versions: list[Version]) -> dict[str, Any]:
    """For the dataset page's data panel: a review link per version the user may open (set as
    `version.review_url`), and the newest version's state and actions."""
    actor = actor_for(user)
    if not actor.is_authenticated or not versions:
        return {}
    openable = set(
        visible_versions(actor).filter(pk__in=[v.pk for v in versions]).values_list("pk", flat=True)
    )
    for version in versions:
        version.review_url = (
            reverse("workflow:review", args=[dataset.slug, version.number])
            if version.pk in openable
            else ""
        )
    newest = versions[0]
    if newest.pk not in openable:
        return {"publishable": sorted(engine.PUBLISHABLE)}
    sit = situation(newest, dataset=dataset)
    actions = engine.allowed_actions(actor, sit)
    return {
        "version": newest,
        "review_url": newest.review_url,
        "waits_for": step_label(sit.current_step) if sit.current_step else "",
        "can_submit": engine.ACTION_SUBMIT in actions,
        "can_review": bool(actions & {engine.ACTION_VERIFY, engine.ACTION_RETURN}),
        "can_publish": engine.ACTION_PUBLISH in actions,
        "token": state_token(sit),
        "publishable": sorted(engine.PUBLISHABLE),
    }
