from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "satudata.workflow"
    label = "workflow"
    verbose_name = _("Review workflow")

    def ready(self) -> None:
        # Registers the daily overdue-review reminder with the shared Huey instance.
        from satudata.workflow import tasks  # noqa: F401
