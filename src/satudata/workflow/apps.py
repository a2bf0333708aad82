from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_built_in_flows(sender, using="default", **kwargs) -> None:
    """After `migrate` and after `flush` (which also sends post_migrate): the built-in flows
    exist again, so a flushed database still has its sectoral and village flows."""
    from django.db import connections

    from satudata.workflow.engine import ensure_default_definitions
    from satudata.workflow.models import WorkflowStep

    # Not after `migrate workflow zero` (or a partial migration): the tables may be gone.
    if WorkflowStep._meta.db_table not in connections[using].introspection.table_names():
        return
    ensure_default_definitions(using=using)


def check_bounds(app_configs=None, **kwargs) -> list:
    """`satudata check` / `manage check`: every workflow and monitoring bound parses."""
    from django.core.checks import Error
    from django.core.exceptions import ImproperlyConfigured

    from satudata.monitoring import conf as monitoring_conf
    from satudata.workflow import conf as workflow_conf

    errors = []
    for bound in (*workflow_conf.BOUNDS, *monitoring_conf.BOUNDS):
        try:
            bound()
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id="satudata.workflow.E001"))
    return errors


class WorkflowConfig(AppConfig):
    name = "satudata.workflow"
    label = "workflow"
    verbose_name = _("Review workflow")

    def ready(self) -> None:
        # Registers the daily overdue-review reminder with the shared Huey instance.
        from satudata.workflow import tasks  # noqa: F401

        checks.register(check_bounds)
        post_migrate.connect(
            _ensure_built_in_flows, sender=self, dispatch_uid="workflow-built-in-flows"
        )
