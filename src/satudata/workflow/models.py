"""The review workflow: flows with tiers, the review of each submitted version, its history,
comments pinned to metadata/columns/cells, and notifications.

A version's review state is `warehouse.Version.status` (draft → diajukan → diverifikasi → terbit,
or dikembalikan / ditarik); this app records who may move it (a `WorkflowDefinition` and its
ordered `WorkflowStep`s), where it stands inside a flow with several verification tiers
(`Review.tier`), and what happened (`Transition`, plus the audit log).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.core.permissions import ScopedQuerySet


class StepAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    VERIFY = "verify", _("Verify")
    PUBLISH = "publish", _("Publish")


class StepScope(models.TextChoices):
    """Whose submissions a step's members act on."""

    ORGANISATION = "organisation", _("The dataset's own organisation")
    REGION = "region", _("Organisations whose region contains the dataset's organisation")
    ALL = "all", _("Every organisation")


class WorkflowDefinition(models.Model):
    """One flow: which datasets it applies to and its ordered steps (submit, verify…, publish).

    A dataset follows the definition whose `organisation_kinds` holds the kind of its
    organisation (e.g. `desa`), otherwise the default one.
    """

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organisation_kinds = models.JSONField(
        _("organisation kinds"),
        default=list,
        blank=True,
        help_text=_("Datasets of organisations of these kinds follow this flow (e.g. desa)."),
    )
    is_default = models.BooleanField(_("default flow"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("workflow definition")
        verbose_name_plural = _("workflow definitions")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_visible(cls, qs, actor):
        return qs if actor.is_authenticated else qs.none()

    @classmethod
    def scope_editable(cls, qs, actor):
        return qs if actor.is_admin else qs.none()


class WorkflowStep(models.Model):
    """One tier of a flow: who (roles, within a scope) performs which action."""

    definition = models.ForeignKey(
        WorkflowDefinition, on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    action = models.CharField(_("action"), max_length=10, choices=StepAction.choices)
    roles = models.JSONField(_("roles"), default=list)
    scope = models.CharField(_("scope"), max_length=15, choices=StepScope.choices)
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        ordering = ["definition_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "position"], name="unique_step_position")
        ]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")

    def __str__(self) -> str:
        return f"{self.definition} #{self.position} {self.action} ({', '.join(self.roles)})"


class DatasetFlow(models.Model):
    """The flow one dataset follows when the walidata chose it (e.g. a desa's precision data kept
    by a kecamatan office): it overrides the flow of the organisation's kind."""

    dataset = models.OneToOneField(
        "catalog.Dataset", on_delete=models.CASCADE, related_name="chosen_flow"
    )
    definition = models.ForeignKey(
        WorkflowDefinition, on_delete=models.PROTECT, related_name="datasets"
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("flow of a dataset")
        verbose_name_plural = _("flows of datasets")

    def __str__(self) -> str:
        return f"{self.dataset} → {self.definition}"


class Review(models.Model):
    """The review of one version, from its first submission on (one per version)."""

    version = models.OneToOneField(
        "warehouse.Version", on_delete=models.CASCADE, related_name="review"
    )
    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="+")
    # The dataset's organisation and its region code when submitted: what tiers are scoped by.
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(max_length=20, blank=True, db_index=True)
    definition = models.ForeignKey(
        WorkflowDefinition, on_delete=models.PROTECT, related_name="reviews"
    )
    # Position of the step that acts next (0 = the submitters, e.g. after a return).
    tier = models.PositiveSmallIntegerField(default=0)
    # Grows with every transition: part of the state token a page's forms carry.
    revision = models.PositiveIntegerField(default=0)
    submissions = models.PositiveSmallIntegerField(default=0)
    returns = models.PositiveSmallIntegerField(default=0)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Since when the current step has been waiting (oldest first in the queue).
    waiting_since = models.DateTimeField(null=True, blank=True, db_index=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["waiting_since", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{_('Review')} {self.version}"

    @classmethod
    def scope_visible(cls, qs, actor):
        """Walidata: every review. Others: their own organisation's, those of organisations
        inside the region of an organisation where they hold a region-scoped step role (a
        kecamatan verifier: the desa of its kecamatan), and — for pembina and pimpinan — every
        review of a dataset they may see (never another agency's `rahasia` data)."""
        from satudata.catalog.models import Dataset

        if not actor.is_authenticated:
            return qs.none()
        if actor.is_walidata:
            return qs
        condition = Q(organisation_id__in=actor.organisation_ids)
        for code in region_codes_reviewed_by(actor):
            condition |= Q(region_code__startswith=code + ".")
        if actor.oversees_all:
            condition |= Q(dataset__in=Dataset.objects.visible_to(actor))
        return qs.filter(condition)

    @classmethod
    def scope_editable(cls, qs, actor):
        # Who may act on which step is decided by the flow (workflow/engine.py).
        return cls.scope_visible(qs, actor)


def region_codes_reviewed_by(actor) -> list[str]:
    """Region codes of the actor's organisations where it holds a role of a region-scoped step."""
    roles: set[str] = set()
    for step_roles in WorkflowStep.objects.filter(scope=StepScope.REGION).values_list(
        "roles", flat=True
    ):
        roles.update(step_roles or [])
    if not roles:
        return []
    return sorted(
        {
            code
            for org_id in actor.organisations_with(*roles)
            if (code := actor.org_region_codes.get(org_id))
        }
    )


class TransitionAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    VERIFY = "verify", _("Verified")
    RETURN = "return", _("Returned")
    PUBLISH = "publish", _("Published")
    WITHDRAW = "withdraw", _("Withdrawn")


class Transition(models.Model):
    """One move of a version through the flow (also in the audit log; this table is what the
    review page's history and the monitoring figures read)."""

    version = models.ForeignKey(
        "warehouse.Version", on_delete=models.CASCADE, related_name="transitions"
    )
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="transitions"
    )
    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=TransitionAction.choices)
    from_status = models.CharField(max_length=14)
    to_status = models.CharField(max_length=14)
    tier = models.PositiveSmallIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # On the first decision after a submission (verified or returned at the first review
    # tier): hours since that submission. The monitoring's median review time reads this
    # column instead of pairing every submission with its decision in Python.
    review_hours = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["dataset", "created_at"], name="transition_dataset_time")]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self) -> str:
        return f"{self.version} {self.from_status} → {self.to_status}"


class CommentKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    RECOMMENDATION = "recommendation", _("Recommendation (pembina)")


class CommentTarget(models.TextChoices):
    GENERAL = "general", _("The whole version")
    METADATA = "metadata", _("A metadata field")
    COLUMN = "column", _("A column of the schema")
    CELL = "cell", _("A data cell")


class Comment(models.Model):
    """A remark on a version, pinned to a metadata field, a schema column or a data cell; replies
    hang under their top-level comment (`parent`)."""

    version = models.ForeignKey(
        "warehouse.Version", on_delete=models.CASCADE, related_name="review_comments"
    )
    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CommentKind.choices, default=CommentKind.COMMENT
    )
    target = models.CharField(
        _("about"), max_length=10, choices=CommentTarget.choices, default=CommentTarget.GENERAL
    )
    field = models.CharField(_("metadata field"), max_length=200, blank=True)
    column = models.CharField(_("column"), max_length=300, blank=True)
    row = models.PositiveBigIntegerField(_("row"), null=True, blank=True)
    cell_value = models.CharField(_("cell value"), max_length=300, blank=True)
    body = models.TextField(_("comment"))
    # The transition this comment came with (a return's reason), if any.
    transition = models.ForeignKey(
        Transition, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return f"{self.version}: {self.body[:60]}"


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", _("A version was submitted for review")
    RETURNED = "returned", _("A version was returned with comments")
    VERIFIED = "verified", _("A version was verified")
    PUBLISHED = "published", _("A version was published")
    WITHDRAWN = "withdrawn", _("A dataset was withdrawn from publication")
    OVERDUE = "overdue", _("Something is overdue")
    COMMENT = "comment", _("A new comment or recommendation")


def default_email_kinds() -> list[str]:
    return [kind.value for kind in NotificationKind]


class Notification(models.Model):
    """An in-app message to one user; its text is built when shown, in the reader's language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=NotificationKind.choices)
    actor_label = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    dataset = models.ForeignKey(
        "catalog.Dataset", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.ForeignKey(
        "warehouse.Version", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail: "" (not wanted or no address), "pending", "sent" or "failed".
    email_status = models.CharField(max_length=8, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.recipient} · {self.kind} · {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_visible(cls, qs, actor):
        """Everyone reads only their own notifications."""
        if actor.user_id is None:
            return qs.none()
        return qs.filter(recipient_id=actor.user_id)

    @classmethod
    def scope_editable(cls, qs, actor):
        return cls.scope_visible(qs, actor)


class NotificationPreference(models.Model):
    """Which notification kinds a user also wants by e-mail (all of them until changed)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_kinds = models.JSONField(default=default_email_kinds, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.email_kinds)}"
