"""Admin: flows and their steps are configured here (audited like the accounts admin); reviews,
transitions, comments and notifications are shown read-only (they change only through the
workflow services)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from satudata.accounts.admin import AuditedAdmin
from satudata.workflow import engine
from satudata.workflow.models import (
    Comment,
    DatasetFlow,
    Notification,
    Review,
    Transition,
    WorkflowDefinition,
    WorkflowStep,
)


class StepFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        steps = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        steps.sort(key=lambda data: data.get("position", 0))
        problem = engine.shape_problem([data.get("action") for data in steps])
        if problem:
            raise ValidationError(
                _("The steps do not make a flow: %(problem)s") % {"problem": problem}
            )


class StepInline(admin.TabularInline):
    model = WorkflowStep
    formset = StepFormSet
    extra = 0


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(AuditedAdmin):
    audit_name = "workflow.definition"
    list_display = ("name", "slug", "organisation_kinds", "is_default")
    inlines = [StepInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("version", "definition", "tier", "submissions", "returns", "waiting_since")
    list_select_related = ("version", "version__dataset", "definition")


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ("version", "action", "from_status", "to_status", "actor_label", "created_at")
    list_select_related = ("version", "version__dataset")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("version", "author_label", "kind", "target", "created_at")
    list_select_related = ("version", "version__dataset")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "created_at", "read_at", "email_status")
    list_select_related = ("recipient",)


@admin.register(DatasetFlow)
class DatasetFlowAdmin(ReadOnlyAdmin):
    """Chosen on the review page by the walidata (services.choose_flow, audited)."""

    list_display = ("dataset", "definition", "chosen_by", "chosen_at")
    list_select_related = ("dataset", "definition", "chosen_by")
