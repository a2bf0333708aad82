"""The workflow engine's rules: which flow a dataset follows, who may act at which tier, and
which actions a version's state allows. Pure decisions; services.py does the writes.

A flow is an ordered list of steps: the first **submits**, any number in the middle **verify**
(one tier each), the last **publishes**. The version's status follows the steps:

    draft ─submit→ diajukan ─verify (tier 1 … n)→ diverifikasi ─publish→ terbit ─withdraw→ ditarik
                      └──────────── return ───────────┘→ dikembalikan ─submit→ diajukan …

While a flow has verification tiers left the version stays `diajukan` and `Review.tier` says
which tier acts next; after the last tier it is `diverifikasi` and waits for the publisher.

Two flows are built in (`DEFAULT_DEFINITIONS`): the sectoral flow (produsen of the dataset's
agency → walidata → walidata) and the village flow (operator_desa of the desa → verifikator
kecamatan of the kecamatan containing the desa → walidata kabupaten). More can be configured in
the admin; a dataset follows the flow the walidata chose for it (services.choose_flow), else
the flow listed for its organisation's kind, else the default.

The system actor (`core.permissions.SYSTEM`: CLI, demo loader, scheduled tasks) passes every
actor check, and may still publish a version directly with `warehouse.services.publish_version`
(no submission or verification needed; the publication is audited and recorded as a transition).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.core.permissions import (
    ROLE_OPERATOR_DESA,
    ROLE_PEMBINA,
    ROLE_PRODUSEN,
    ROLE_VERIFIKATOR_KECAMATAN,
    ROLE_WALIDATA,
    Actor,
)
from satudata.warehouse.models import VersionStatus
from satudata.workflow.models import StepAction, StepScope, WorkflowDefinition, WorkflowStep

# What each action is allowed to start from.
SUBMITTABLE = frozenset({VersionStatus.DRAFT, VersionStatus.DIKEMBALIKAN})
UNDER_REVIEW = frozenset({VersionStatus.DIAJUKAN, VersionStatus.DIVERIFIKASI})
# A walidata may point the public at a verified version, or back at one published before.
PUBLISHABLE = frozenset({VersionStatus.DIVERIFIKASI, VersionStatus.TERBIT})

ACTION_SUBMIT = "submit"
ACTION_VERIFY = "verify"
ACTION_RETURN = "return"
ACTION_PUBLISH = "publish"
ACTION_WITHDRAW = "withdraw"
ACTION_COMMENT = "comment"
ACTION_RECOMMEND = "recommend"
TRANSITIONS = (ACTION_SUBMIT, ACTION_VERIFY, ACTION_RETURN, ACTION_PUBLISH, ACTION_WITHDRAW)


@dataclass(frozen=True)
class StepSpec:
    action: str
    roles: tuple[str, ...]
    scope: str
    label: str


@dataclass(frozen=True)
class DefinitionSpec:
    slug: str
    name: str
    description: str
    organisation_kinds: tuple[str, ...]
    is_default: bool
    steps: tuple[StepSpec, ...]


DEFAULT_DEFINITIONS: tuple[DefinitionSpec, ...] = (
    DefinitionSpec(
        slug="sektoral",
        name="Alur data sektoral (OPD → walidata)",
        description=(
            "Produsen data OPD mengajukan, walidata memverifikasi lalu menerbitkan "
            "(Perpres 39/2019)."
        ),
        organisation_kinds=(),
        is_default=True,
        steps=(
            StepSpec(StepAction.SUBMIT, (ROLE_PRODUSEN,), StepScope.ORGANISATION, "Produsen OPD"),
            StepSpec(StepAction.VERIFY, (ROLE_WALIDATA,), StepScope.ALL, "Walidata"),
            StepSpec(StepAction.PUBLISH, (ROLE_WALIDATA,), StepScope.ALL, "Walidata"),
        ),
    ),
    DefinitionSpec(
        slug="desa",
        name="Alur data desa (desa → kecamatan → kabupaten)",
        description=(
            "Operator desa mengajukan, verifikator kecamatan memverifikasi data desa di "
            "kecamatannya, walidata kabupaten menerbitkan."
        ),
        organisation_kinds=("desa",),
        is_default=False,
        steps=(
            StepSpec(
                StepAction.SUBMIT, (ROLE_OPERATOR_DESA,), StepScope.ORGANISATION, "Operator desa"
            ),
            StepSpec(
                StepAction.VERIFY,
                (ROLE_VERIFIKATOR_KECAMATAN,),
                StepScope.REGION,
                "Verifikator kecamatan",
            ),
            StepSpec(StepAction.PUBLISH, (ROLE_WALIDATA,), StepScope.ALL, "Walidata kabupaten"),
        ),
    ),
)


def ensure_default_definitions(using: str = "default") -> int:
    """Create the built-in flows when missing (idempotent; leaves edited flows alone); returns
    how many were created. Runs after every `migrate` and `flush` (apps.py), from
    `satudata demo`, and whenever a dataset's flow is looked up and none exists."""
    created_count = 0
    with transaction.atomic(using=using):
        for spec in DEFAULT_DEFINITIONS:
            definition, created = WorkflowDefinition.objects.using(using).get_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "description": spec.description,
                    "organisation_kinds": list(spec.organisation_kinds),
                    "is_default": spec.is_default,
                },
            )
            if created:
                created_count += 1
                for position, step in enumerate(spec.steps):
                    WorkflowStep.objects.using(using).create(
                        definition=definition,
                        position=position,
                        action=step.action,
                        roles=list(step.roles),
                        scope=step.scope,
                        label=step.label,
                    )
    return created_count


def definition_for(dataset) -> WorkflowDefinition:
    """The flow `dataset` follows: the one the walidata chose for it (`DatasetFlow`), else the
    one listing its organisation's kind, else the default."""
    chosen = (
        WorkflowDefinition.objects.filter(datasets__dataset_id=dataset.pk)
        .prefetch_related("steps")
        .first()
    )
    if chosen is not None:
        return chosen
    kind = dataset.organisation.kind
    definitions = list(WorkflowDefinition.objects.prefetch_related("steps"))
    if not definitions:
        ensure_default_definitions()
        definitions = list(WorkflowDefinition.objects.prefetch_related("steps"))
    for definition in definitions:
        if kind in (definition.organisation_kinds or []):
            return definition
    for definition in definitions:
        if definition.is_default:
            return definition
    return definitions[0]


def steps_of(definition: WorkflowDefinition) -> list[WorkflowStep]:
    """The definition's steps in order, checked for shape (submit, verify…, publish)."""
    steps = sorted(definition.steps.all(), key=lambda step: step.position)
    problem = shape_problem([step.action for step in steps])
    if problem:
        from satudata.core.errors import ValidationFailed

        raise ValidationFailed(
            _("The workflow “%(name)s” is misconfigured: %(problem)s")
            % {"name": definition.name, "problem": problem},
            code="workflow-misconfigured",
        )
    return steps


def shape_problem(actions: list[str]) -> str:
    """Why a list of step actions is not a valid flow ('' when it is)."""
    if len(actions) < 2:
        return _("a flow needs at least a submit step and a publish step.")
    if actions[0] != StepAction.SUBMIT:
        return _("the first step must be 'submit'.")
    if actions[-1] != StepAction.PUBLISH:
        return _("the last step must be 'publish'.")
    if any(action != StepAction.VERIFY for action in actions[1:-1]):
        return _("the steps between the first and the last must be 'verify'.")
    return ""


def is_system(actor: Actor) -> bool:
    """The system actor (CLI, demo, tasks): a superuser with no user account behind it."""
    return actor.is_superuser and actor.user_id is None


def region_contains(outer_code: str, inner_code: str) -> bool:
    """Whether region `outer_code` contains `inner_code` (51.05.01 contains 51.05.01.2001)."""
    return bool(outer_code and inner_code) and inner_code.startswith(outer_code + ".")


def may_act(actor: Actor, step: WorkflowStep, organisation_id: int, region_code: str) -> bool:
    """Whether `actor` holds one of the step's roles within the step's scope."""
    if is_system(actor):
        return True
    roles = tuple(step.roles or ())
    if step.scope == StepScope.ALL:
        return actor.has_role(*roles) or (ROLE_WALIDATA in roles and actor.is_walidata)
    members_of = actor.organisations_with(*roles)
    if step.scope == StepScope.ORGANISATION:
        return organisation_id in members_of
    if step.scope == StepScope.REGION:
        return any(
            region_contains(actor.org_region_codes.get(org_id, ""), region_code)
            for org_id in members_of
        )
    return False


@dataclass
class Situation:
    """Everything the rules read about one version (built by queries.situation())."""

    version: object
    dataset: object
    definition: WorkflowDefinition
    steps: list[WorkflowStep]
    review: object | None
    organisation_id: int
    region_code: str

    @property
    def status(self) -> str:
        return self.version.status

    @property
    def tier(self) -> int:
        return self.review.tier if self.review is not None else 0

    @property
    def current_step(self) -> WorkflowStep | None:
        """The step that acts next, if the version is waiting for one."""
        if self.status in SUBMITTABLE:
            return self.steps[0]
        if self.status in UNDER_REVIEW and 0 < self.tier < len(self.steps):
            return self.steps[self.tier]
        return None

    @property
    def publish_step(self) -> WorkflowStep:
        return self.steps[-1]

    @property
    def is_public_version(self) -> bool:
        return self.dataset.published_version_id == self.version.pk

    def may_act(self, actor: Actor, step: WorkflowStep | None) -> bool:
        return step is not None and may_act(actor, step, self.organisation_id, self.region_code)

    def is_participant(self, actor: Actor) -> bool:
        """Anyone who may act at some step of this version's flow."""
        return any(self.may_act(actor, step) for step in self.steps)


def allowed_actions(actor: Actor, situation: Situation) -> set[str]:
    """The actions `actor` may take on the version now (what the review page offers)."""
    found: set[str] = set()
    status = situation.status
    step = situation.current_step
    if status in SUBMITTABLE and situation.may_act(actor, situation.steps[0]):
        found.add(ACTION_SUBMIT)
    if status in UNDER_REVIEW and step is not None and situation.may_act(actor, step):
        found.add(ACTION_RETURN)
        found.add(ACTION_VERIFY if step.action == StepAction.VERIFY else ACTION_PUBLISH)
    if (
        status == VersionStatus.TERBIT
        and situation.is_public_version
        and situation.may_act(actor, situation.publish_step)
    ):
        found.add(ACTION_WITHDRAW)
    if situation.is_participant(actor):
        found.add(ACTION_COMMENT)
    if is_system(actor) or ROLE_PEMBINA in actor.roles:
        found.add(ACTION_RECOMMEND)
        found.add(ACTION_COMMENT)
    return found


STATUS_WORDS = {
    VersionStatus.DRAFT: gettext_lazy("a draft"),
    VersionStatus.DIAJUKAN: gettext_lazy("submitted for review"),
    VersionStatus.DIKEMBALIKAN: gettext_lazy("returned to its producer"),
    VersionStatus.DIVERIFIKASI: gettext_lazy("verified"),
    VersionStatus.TERBIT: gettext_lazy("published"),
    VersionStatus.DITARIK: gettext_lazy("withdrawn"),
}


def out_of_order_message(action: str, version) -> str:
    """Why `action` cannot happen in the version's current state (clear, translated)."""
    where = STATUS_WORDS.get(version.status, version.status)
    messages = {
        ACTION_SUBMIT: _("Version %(number)d cannot be submitted: it is %(state)s."),
        ACTION_VERIFY: _("Version %(number)d cannot be verified: it is %(state)s."),
        ACTION_RETURN: _("Version %(number)d cannot be returned: it is %(state)s."),
        ACTION_PUBLISH: _("Version %(number)d cannot be published: it is %(state)s."),
        ACTION_WITHDRAW: _("Version %(number)d cannot be withdrawn: it is %(state)s."),
    }
    text = messages[action] % {"number": version.number, "state": where}
    return text + " " + _("Nothing was changed.")
