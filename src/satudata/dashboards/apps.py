from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "satudata.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards, charts and maps")

    def ready(self) -> None:
        # Periodic Huey tasks register themselves with the shared instance on import.
        from importlib.util import find_spec

        if find_spec("satudata.dashboards.tasks"):
            from satudata.dashboards import tasks  # noqa: F401
