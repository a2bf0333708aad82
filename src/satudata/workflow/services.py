"""Workflow writes: the transitions of a version (submit, verify, return, publish, withdraw),
review comments, reading notifications and e-mail preferences.

Every transition is one function that, in one transaction:

1. locks the version row (and its review) — two clicks or two tabs queue behind each other;
2. checks the actor through the scoped-queryset layer (a version the actor may not see is
   `NotFound`, one it may see but not act on at this tier is `PermissionDenied`);
3. refuses an out-of-order transition (`Conflict`: "already submitted", "not verified yet" —
   the second of two identical clicks lands here and changes nothing);
4. refuses a stale page: when `token` is given (the page's forms always carry it), it must equal
   the version's current `state_token()` — a version that changed since the reviewer opened
   the page (another reviewer acted, the metadata was edited) is a `Conflict`;
5. makes the change, records a `Transition`, appends the audit event and notifies the people the
   flow says (notifications.py; e-mails leave after the commit).

Publishing goes through `warehouse.services.publish_version`, which calls `check_publication()`
and `record_publication()` below, so the warehouse's own publish button and the CLI obey the
same rules. The system actor (`core.permissions.SYSTEM`) may publish directly (engine.py).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.catalog.models import Dataset, DatasetState
from satudata.core import audit
from satudata.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from satudata.core.permissions import Actor, actor_for
from satudata.warehouse.models import Version, VersionStatus
from satudata.workflow import conf, engine, queries
from satudata.workflow.engine import Situation
from satudata.workflow.models import (
    Comment,
    CommentKind,
    CommentTarget,
    DatasetFlow,
    Notification,
    NotificationKind,
    NotificationPreference,
    Review,
    StepAction,
    StepScope,
    Transition,
    TransitionAction,
    WorkflowDefinition,
)
from satudata.workflow.notifications import members_of_step, notify

# --- shared steps of every transition ---------------------------------------------------------


def _locked_situation(who: Actor, version: Version | int) -> Situation:
    """Lock the version (and its review) and read everything the rules need. A version the
    actor may not see is NotFound (the same answer as a version that does not exist)."""
    pk = version.pk if isinstance(version, Version) else int(version)
    locked = Version.objects.select_for_update().filter(pk=pk).first()
    if locked is None or not queries.visible_versions(who).filter(pk=pk).exists():
        if not who.is_authenticated:
            raise PermissionDenied(_("Please log in first."))
        raise NotFound(_("Version not found."))
    review = Review.objects.select_for_update().filter(version_id=pk).first()
    return queries.situation(locked, review=review)


def _check_token(situation: Situation, token: str | None) -> None:
    if token is None:
        return
    if str(token) != queries.state_token(situation):
        raise Conflict(
            _(
                "Version %(number)d changed since you opened this page (it is now %(state)s)."
                " Reload the page and check it again. Nothing was changed."
            )
            % {
                "number": situation.version.number,
                "state": engine.STATUS_WORDS.get(situation.status, situation.status),
            },
            code="stale-state",
        )


def _require_step(who: Actor, situation: Situation, step, refusal: str) -> None:
    if not situation.may_act(who, step):
        raise PermissionDenied(refusal)


def _clean_text(value: Any, *, limit: int, label: str, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(
            _("Please write %(what)s.") % {"what": label}, details={"field": "note"}
        )
    if len(text) > limit:
        raise ValidationFailed(
            _("%(what)s is too long: %(count)d characters, at most %(limit)d.")
            % {"what": label.capitalize(), "count": len(text), "limit": limit},
            details={"field": "note"},
        )
    return text


def _advance(situation: Situation, *, tier: int, waiting: bool, now) -> Review | None:
    review = situation.review
    if review is None:
        return None
    review.tier = tier
    review.revision += 1
    review.waiting_since = now if waiting else None
    review.overdue_notified_at = None
    return review


def _set_status(version: Version, status: str) -> None:
    version.status = status
    version.save(update_fields=["status"])


def _record(
    who: Actor,
    situation: Situation,
    action: str,
    *,
    from_status: str,
    tier: int,
    note: str = "",
    changes: dict[str, Any] | None = None,
    audit_action: str | None = None,
) -> Transition:
    version, dataset = situation.version, situation.dataset
    now = timezone.now()
    transition = Transition.objects.create(
        created_at=now,
        review_hours=_review_hours(situation, action, tier, now),
        version=version,
        review=situation.review,
        dataset=dataset,
        action=action,
        from_status=from_status,
        to_status=version.status,
        tier=tier,
        actor_id=who.user_id,
        actor_label=who.username or "sistem",
        note=note,
    )
    if audit_action is not None:
        details = {
            "dataset": dataset.slug,
            "number": version.number,
            "status": [from_status, version.status],
            "tier": tier,
            "flow": situation.definition.slug,
        }
        if note:
            details["note"] = note[:500]
        details.update(changes or {})
        audit.record(
            who, audit_action, version, organisation_id=dataset.organisation_id, changes=details
        )
    return transition


def _review_hours(situation: Situation, action: str, tier: int, now) -> float | None:
    """Hours from the submission to this decision, when it is the first decision after it
    (verified or returned by the first review tier); None otherwise."""
    review = situation.review
    first_decision = action in (TransitionAction.VERIFY, TransitionAction.RETURN) and tier == 1
    if not first_decision or review is None or review.submitted_at is None:
        return None
    return max(0.0, (now - review.submitted_at).total_seconds() / 3600)


def _review_url(version: Version, dataset: Dataset) -> str:
    from django.urls import reverse

    return reverse("workflow:review", args=[dataset.slug, version.number])


def _submitters(situation: Situation) -> set:
    """The users who answer for the version: its flow's submitters and who submitted it."""
    users = set(
        members_of_step(situation.steps[0], situation.organisation_id, situation.region_code)
    )
    review = situation.review
    if review is not None and review.submitted_by is not None:
        users.add(review.submitted_by)
    return users


def _step_members(situation: Situation, step) -> set:
    return set(members_of_step(step, situation.organisation_id, situation.region_code))


def _notify(situation: Situation, users, kind: str, who: Actor, **params: Any) -> None:
    notify(
        users,
        kind,
        actor=who,
        dataset=situation.dataset,
        version=situation.version,
        url=_review_url(situation.version, situation.dataset),
        params=params,
    )


def _not_acting_here(situation: Situation, step) -> str:
    return _(
        "You may not act on this submission at its current step (%(step)s). It waits for: %(who)s."
    ) % {"step": step.get_action_display(), "who": queries.step_label(step)}


# --- submit -------------------------------------------------------------------------------------


def _check_ready_for_review(situation: Situation) -> None:
    version, dataset = situation.version, situation.dataset
    if version.error_count:
        raise ValidationFailed(
            _(
                "Version %(number)d has %(count)d validation errors: fix the file and upload it"
                " again before submitting."
            )
            % {"number": version.number, "count": version.error_count},
            code="has-errors",
        )
    missing = queries.missing_metadata(dataset)
    if missing:
        raise ValidationFailed(
            _("Complete the required metadata before submitting: %(fields)s.")
            % {"fields": ", ".join(missing)},
            code="metadata-incomplete",
            details={"missing": missing},
        )
    needs_region = any(step.scope == StepScope.REGION for step in situation.steps)
    if needs_region and not situation.region_code:
        raise ValidationFailed(
            _(
                "This dataset's flow is verified by region, but its organisation has no region;"
                " ask the walidata to set the organisation's region."
            ),
            code="organisation-without-region",
        )


def submit(actor, version: Version, *, token: str | None = None, note: str = "") -> Version:
    """Submit a draft (or a returned version, after the answers) for review: → `diajukan`.

    Only members of the flow's first step (the produsen of the dataset's OPD; the operator of
    the desa in the village flow). The version needs no validation errors and the dataset its
    required metadata. `note` (optional) is kept as a comment, e.g. what was fixed.
    """
    who = actor_for(actor)
    with transaction.atomic():
        situation = _locked_situation(who, version)
        first = situation.steps[0]
        _require_step(
            who,
            situation,
            first,
            _("Only %(who)s may submit this dataset for review.")
            % {"who": queries.step_label(first)},
        )
        if situation.status not in engine.SUBMITTABLE:
            raise Conflict(
                engine.out_of_order_message(engine.ACTION_SUBMIT, situation.version),
                code="out-of-order",
            )
        _check_token(situation, token)
        note = _clean_text(note, limit=conf.note_max_chars(), label=_("a note"), required=False)
        _check_ready_for_review(situation)
        now = timezone.now()
        before = situation.status
        review = situation.review or Review(
            version=situation.version,
            dataset=situation.dataset,
            organisation_id=situation.organisation_id,
            region_code=situation.region_code,
            definition=situation.definition,
        )
        review.definition = situation.definition
        review.organisation_id = situation.organisation_id
        review.region_code = situation.region_code
        review.tier = 1
        review.revision += 1
        review.submissions += 1
        review.submitted_by_id = who.user_id
        review.submitted_at = now
        review.first_submitted_at = review.first_submitted_at or now
        review.waiting_since = now
        review.overdue_notified_at = None
        review.save()
        situation.review = review
        _set_status(situation.version, VersionStatus.DIAJUKAN)
        transition = _record(
            who,
            situation,
            TransitionAction.SUBMIT,
            from_status=before,
            tier=0,
            note=note,
            changes={"submission": review.submissions},
            audit_action="workflow.submit",
        )
        if note:
            _new_comment(who, situation, body=note, transition=transition)
        next_step = situation.steps[1]
        recipients = _step_members(situation, next_step)
        if situation.dataset.is_statistical:
            recipients |= queries.pembina_users()
        _notify(situation, recipients, NotificationKind.SUBMITTED, who)
    return situation.version


# --- verify -------------------------------------------------------------------------------------


def verify(actor, version: Version, *, token: str | None = None, note: str = "") -> Version:
    """Verify a submission at its current tier: the next verification tier, or `diverifikasi`
    after the last one (then it waits for the publisher)."""
    who = actor_for(actor)
    with transaction.atomic():
        situation = _locked_situation(who, version)
        reviewers = situation.steps[1:]
        if not any(situation.may_act(who, step) for step in reviewers):
            raise PermissionDenied(_("Only the reviewers of this dataset's flow may verify it."))
        step = situation.current_step
        if situation.status != VersionStatus.DIAJUKAN or step is None:
            raise Conflict(
                engine.out_of_order_message(engine.ACTION_VERIFY, situation.version),
                code="out-of-order",
            )
        _require_step(who, situation, step, _not_acting_here(situation, step))
        _check_token(situation, token)
        note = _clean_text(note, limit=conf.note_max_chars(), label=_("a note"), required=False)
        now = timezone.now()
        before, tier = situation.status, situation.tier
        last_tier = tier + 1 == len(situation.steps) - 1
        review = _advance(situation, tier=tier + 1, waiting=True, now=now)
        review.save()
        if last_tier:
            _set_status(situation.version, VersionStatus.DIVERIFIKASI)
        transition = _record(
            who,
            situation,
            TransitionAction.VERIFY,
            from_status=before,
            tier=tier,
            note=note,
            audit_action="workflow.verify",
        )
        if note:
            _new_comment(who, situation, body=note, transition=transition)
        recipients = _step_members(situation, situation.steps[tier + 1]) | _submitters(situation)
        _notify(situation, recipients, NotificationKind.VERIFIED, who)
    return situation.version


# --- return -------------------------------------------------------------------------------------


def return_version(
    actor,
    version: Version,
    *,
    note: str,
    token: str | None = None,
    target: str = CommentTarget.GENERAL,
    field: str = "",
    column: str = "",
    row: int | str | None = None,
) -> Version:
    """Return a submission to its producer (→ `dikembalikan`) with a comment that says why,
    pinned to a metadata `field`, a schema `column`, or a data cell (`row` + `column`)."""
    who = actor_for(actor)
    with transaction.atomic():
        situation = _locked_situation(who, version)
        reviewers = situation.steps[1:]
        if not any(situation.may_act(who, step) for step in reviewers):
            raise PermissionDenied(_("Only the reviewers of this dataset's flow may return it."))
        step = situation.current_step
        if situation.status not in engine.UNDER_REVIEW or step is None:
            raise Conflict(
                engine.out_of_order_message(engine.ACTION_RETURN, situation.version),
                code="out-of-order",
            )
        _require_step(who, situation, step, _not_acting_here(situation, step))
        _check_token(situation, token)
        body = _clean_text(
            note, limit=conf.comment_max_chars(), label=_("why it is returned"), required=True
        )
        pin = queries.clean_target(
            situation.version, situation.dataset, target, field=field, column=column, row=row
        )
        now = timezone.now()
        before, tier = situation.status, situation.tier
        review = _advance(situation, tier=0, waiting=True, now=now)
        review.returns += 1
        review.save()
        _set_status(situation.version, VersionStatus.DIKEMBALIKAN)
        transition = _record(
            who,
            situation,
            TransitionAction.RETURN,
            from_status=before,
            tier=tier,
            note=body,
            changes={"target": pin.as_dict()},
            audit_action="workflow.return",
        )
        _new_comment(who, situation, body=body, pin=pin, transition=transition)
        _notify(situation, _submitters(situation), NotificationKind.RETURNED, who, note=body)
    return situation.version


# --- publish ------------------------------------------------------------------------------------


def publish(
    actor, version: Version, *, token: str | None = None, acknowledge_warnings: bool = False
) -> Version:
    """Publish a verified version (→ `terbit`): the dataset's public pointer moves through
    `warehouse.services.publish_version` (which checks errors, acknowledged warnings and
    complete metadata, and calls back `check_publication`/`record_publication`)."""
    from satudata.warehouse.services import publish_version

    who = actor_for(actor)
    with transaction.atomic():
        situation = _locked_situation(who, version)
        _require_step(
            who,
            situation,
            situation.publish_step,
            _("Only %(who)s may publish this dataset.")
            % {"who": queries.step_label(situation.publish_step)},
        )
        if situation.status != VersionStatus.DIVERIFIKASI:
            raise Conflict(
                engine.out_of_order_message(engine.ACTION_PUBLISH, situation.version),
                code="out-of-order",
            )
        _check_token(situation, token)
        return publish_version(who, situation.version, acknowledge_warnings=acknowledge_warnings)


def check_publication(actor, version: Version, dataset: Dataset) -> None:
    """The workflow's conditions for `warehouse.services.publish_version` (called inside its
    transaction, after its own checks of permission, errors and warnings).

    The system actor may publish any version directly. Anybody else needs a version that was
    verified (or one published before, to point the public back at it), the flow's publisher
    role, and the dataset's required metadata complete.
    """
    who = actor_for(actor)
    if engine.is_system(who):
        return
    review = Review.objects.filter(version_id=version.pk).first()
    situation = queries.situation(version, review=review, dataset=dataset)
    _require_step(
        who,
        situation,
        situation.publish_step,
        _("Only %(who)s may publish this dataset.")
        % {"who": queries.step_label(situation.publish_step)},
    )
    if version.status not in engine.PUBLISHABLE:
        raise ValidationFailed(
            _(
                "Version %(number)d cannot be published yet: it is %(state)s. A version is"
                " published after its review has verified it."
            )
            % {
                "number": version.number,
                "state": engine.STATUS_WORDS.get(version.status, version.status),
            },
            code="not-verified",
        )
    missing = queries.missing_metadata(dataset)
    if missing:
        raise ValidationFailed(
            _("Complete the required metadata before publishing: %(fields)s.")
            % {"fields": ", ".join(missing)},
            code="metadata-incomplete",
            details={"missing": missing},
        )


def record_publication(actor, version: Version, dataset: Dataset, *, previous_status: str) -> None:
    """Called by `warehouse.services.publish_version` once the pointer moved (same
    transaction): close the review, record the transition and notify (the audit event
    `version.publish` is the warehouse's)."""
    who = actor_for(actor)
    review = Review.objects.select_for_update().filter(version_id=version.pk).first()
    situation = queries.situation(version, review=review, dataset=dataset)
    tier = len(situation.steps) - 1
    if review is not None:
        review.tier = tier
        review.revision += 1
        review.waiting_since = None
        review.overdue_notified_at = None
        review.save()
    note = "" if review is not None else _("Published directly by the system.")
    _record(
        who,
        situation,
        TransitionAction.PUBLISH,
        from_status=previous_status,
        tier=tier,
        note=note if engine.is_system(who) else "",
    )
    recipients = _submitters(situation)
    for step in situation.steps[1:-1]:
        if step.scope != StepScope.ALL:  # e.g. the kecamatan verifier of a desa's data
            recipients |= _step_members(situation, step)
    _notify(situation, recipients, NotificationKind.PUBLISHED, who)


# --- withdraw -----------------------------------------------------------------------------------


def withdraw(actor, version: Version, *, reason: str, token: str | None = None) -> Version:
    """Withdraw a published dataset (its public version → `ditarik`): hidden from the public
    (dataset state `withdrawn`, no public version), kept in the history with the reason."""
    who = actor_for(actor)
    with transaction.atomic():
        situation = _locked_situation(who, version)
        _require_step(
            who,
            situation,
            situation.publish_step,
            _("Only %(who)s may withdraw this dataset.")
            % {"who": queries.step_label(situation.publish_step)},
        )
        if situation.status != VersionStatus.TERBIT or not situation.is_public_version:
            if situation.status == VersionStatus.TERBIT:
                raise Conflict(
                    _(
                        "Version %(number)d is not the dataset's public version; only the"
                        " public version can be withdrawn. Nothing was changed."
                    )
                    % {"number": situation.version.number},
                    code="out-of-order",
                )
            raise Conflict(
                engine.out_of_order_message(engine.ACTION_WITHDRAW, situation.version),
                code="out-of-order",
            )
        _check_token(situation, token)
        reason = _clean_text(
            reason, limit=conf.note_max_chars(), label=_("the reason"), required=True
        )
        dataset = Dataset.objects.select_for_update().get(pk=situation.dataset.pk)
        situation.dataset = dataset
        before, before_state = situation.status, dataset.state
        review = _advance(situation, tier=situation.tier, waiting=False, now=timezone.now())
        if review is not None:
            review.save()
        _set_status(situation.version, VersionStatus.DITARIK)
        dataset.state = DatasetState.WITHDRAWN
        dataset.published_version = None
        dataset.save(update_fields=["state", "published_version", "modified_at"])
        _record(
            who,
            situation,
            TransitionAction.WITHDRAW,
            from_status=before,
            tier=len(situation.steps) - 1,
            note=reason,
            changes={
                "state": [before_state, dataset.state],
                "published_version": [situation.version.number, None],
            },
            audit_action="workflow.withdraw",
        )
        _refresh_catalogue(dataset)
        _notify(situation, _submitters(situation), NotificationKind.WITHDRAWN, who, note=reason)
    return situation.version


def _refresh_catalogue(dataset: Dataset) -> None:
    try:
        from satudata.catalog.services import refresh_dataset_index
    except ImportError:  # pragma: no cover - the catalogue without the hook
        return
    refresh_dataset_index(dataset)


# --- comments -----------------------------------------------------------------------------------


def _new_comment(
    who: Actor,
    situation: Situation,
    *,
    body: str,
    pin: queries.Pin | None = None,
    kind: str = CommentKind.COMMENT,
    parent: Comment | None = None,
    transition: Transition | None = None,
) -> Comment:
    pin = pin or queries.Pin()
    return Comment.objects.create(
        version=situation.version,
        dataset=situation.dataset,
        parent=parent,
        author_id=who.user_id,
        author_label=who.username or "sistem",
        kind=kind,
        target=pin.target,
        field=pin.field,
        column=pin.column,
        row=pin.row,
        cell_value=pin.cell_value,
        body=body,
        transition=transition,
    )


def add_comment(
    actor,
    version: Version,
    *,
    body: str,
    target: str = CommentTarget.GENERAL,
    field: str = "",
    column: str = "",
    row: int | str | None = None,
    parent: Comment | int | None = None,
) -> Comment:
    """A comment on a version (or a reply to one), pinned like a return's reason.

    Anyone taking part in the version's flow may comment and reply. A pembina's remark is a
    **recommendation** on the statistical metadata (MS-Keg, MS-Ind, MS-Var): it never blocks
    or moves the version.
    """
    who = actor_for(actor)
    with transaction.atomic():
        situation = _locked_situation(who, version)
        allowed = engine.allowed_actions(who, situation)
        if engine.ACTION_COMMENT not in allowed:
            raise PermissionDenied(
                _("Only the people taking part in this dataset's review may comment.")
            )
        parent_comment = _parent_comment(situation, parent)
        participant = situation.is_participant(who)
        kind = CommentKind.COMMENT
        if not participant and engine.ACTION_RECOMMEND in allowed:
            kind = CommentKind.RECOMMENDATION
        body = _clean_text(
            body, limit=conf.comment_max_chars(), label=_("a comment"), required=True
        )
        if parent_comment is not None:
            pin = queries.Pin()
        else:
            pin = queries.clean_target(
                situation.version, situation.dataset, target, field=field, column=column, row=row
            )
            if kind == CommentKind.RECOMMENDATION and not queries.is_statistical_field(pin):
                raise ValidationFailed(
                    _(
                        "A pembina's recommendation is about the statistical metadata: choose an"
                        " MS-Keg, MS-Ind or MS-Var field."
                    ),
                    details={"field": "field"},
                )
        comment = _new_comment(who, situation, body=body, pin=pin, kind=kind, parent=parent_comment)
        audit.record(
            who,
            "workflow.comment",
            situation.version,
            organisation_id=situation.dataset.organisation_id,
            changes={
                "dataset": situation.dataset.slug,
                "number": situation.version.number,
                "comment": comment.pk,
                "kind": kind,
                "reply_to": parent_comment.pk if parent_comment else None,
                "target": pin.as_dict(),
            },
            after=body,
        )
        _notify(situation, _comment_audience(who, situation, parent_comment), "comment", who)
    return comment


def _parent_comment(situation: Situation, parent: Comment | int | None) -> Comment | None:
    if parent in (None, ""):
        return None
    try:
        pk = parent.pk if isinstance(parent, Comment) else int(parent)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The comment to reply to was not found.")) from None
    found = Comment.objects.filter(pk=pk, version_id=situation.version.pk).first()
    if found is None:
        raise ValidationFailed(_("The comment to reply to was not found."))
    return found.parent or found  # replies hang under the top-level comment


def _comment_audience(who: Actor, situation: Situation, parent: Comment | None) -> set:
    """Who hears of a comment: the thread's people for a reply; otherwise the other side of
    the review (the producers when a reviewer writes, the current reviewers when a producer
    does)."""
    from django.contrib.auth import get_user_model

    if parent is not None:
        authors = {parent.author_id, *parent.replies.values_list("author_id", flat=True)}
        authors.discard(None)
        return set(get_user_model().objects.filter(pk__in=authors))
    if situation.may_act(who, situation.steps[0]):
        step = situation.current_step
        if step is not None and step.action != StepAction.SUBMIT:
            return _step_members(situation, step)
        return set()
    return _submitters(situation)


# --- which flow a dataset follows ---------------------------------------------------------------


def choose_flow(actor, dataset: Dataset, flow: str | None) -> WorkflowDefinition:
    """The walidata chooses the flow `dataset` follows from its next submission on (`flow` is a
    definition's slug; "" or None goes back to the flow of the organisation's kind). A version
    already under review finishes the flow it was submitted into."""
    who = actor_for(actor)
    if not who.is_walidata:
        raise PermissionDenied(_("Only the walidata chooses the flow of a dataset."))
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
        if locked is None:
            raise NotFound(_("Dataset not found."))
        chosen = None
        if flow:
            chosen = WorkflowDefinition.objects.filter(slug=str(flow)[:60]).first()
            if chosen is None:
                raise ValidationFailed(
                    _("Unknown workflow “%(flow)s”.") % {"flow": str(flow)[:60]},
                    details={"field": "flow"},
                )
            engine.steps_of(chosen)  # a misconfigured flow is refused with its reason
        current = DatasetFlow.objects.filter(dataset=locked).select_related("definition").first()
        before = current.definition.slug if current else ""
        after = chosen.slug if chosen else ""
        if before != after:
            if chosen is None:
                current.delete()
            else:
                DatasetFlow.objects.update_or_create(
                    dataset=locked, defaults={"definition": chosen, "chosen_by_id": who.user_id}
                )
            audit.record(
                who,
                "workflow.flow_choose",
                locked,
                organisation_id=locked.organisation_id,
                changes={"flow": [before, after]},
            )
    return chosen or engine.definition_for(locked)


# --- notifications ------------------------------------------------------------------------------


def mark_read(actor, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications (these ids, or all) as read; returns how many.

    Reading state is personal and not a change to the portal's data: no audit event."""
    who = actor_for(actor)
    if who.user_id is None:
        raise PermissionDenied(_("Please log in first."))
    unread = Notification.objects.editable_by(who).filter(read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=[int(pk) for pk in notification_ids])
    return unread.update(read_at=timezone.now())


def set_email_preferences(actor, kinds: list[str]) -> NotificationPreference:
    """Choose which notification kinds also come by e-mail (the in-app ones always come)."""
    who = actor_for(actor)
    if who.user_id is None:
        raise PermissionDenied(_("Please log in first."))
    known = {kind.value for kind in NotificationKind}
    unknown = sorted(set(kinds) - known)
    if unknown:
        raise ValidationFailed(
            _("Unknown kinds of notification: %(kinds)s.") % {"kinds": ", ".join(unknown)}
        )
    chosen = [kind.value for kind in NotificationKind if kind.value in set(kinds)]
    with transaction.atomic():
        pref, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user_id=who.user_id
        )
        before = list(pref.email_kinds)
        if before != chosen or _created:
            pref.email_kinds = chosen
            pref.save()
            audit.record(
                who,
                "notification.preferences",
                pref,
                changes={"email_kinds": [before, chosen]},
            )
    return pref
