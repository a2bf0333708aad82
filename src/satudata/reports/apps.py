from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "satudata.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Periodic Huey tasks register themselves with the shared instance on import.
        from importlib.util import find_spec

        if find_spec("satudata.reports.tasks"):
            from satudata.reports import tasks  # noqa: F401
