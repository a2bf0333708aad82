from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "satudata.connectors"
    label = "connectors"
    verbose_name = _("Connectors and sync")

    def ready(self) -> None:
        # Periodic Huey tasks register themselves with the shared instance on import.
        from importlib.util import find_spec

        if find_spec("satudata.connectors.tasks"):
            from satudata.connectors import tasks  # noqa: F401
