from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "satudata.monitoring"
    label = "monitoring"
    verbose_name = _("Daftar Data and monitoring")

    def ready(self) -> None:
        # Registers the periodic reminder task with the shared Huey instance.
        from satudata.monitoring import deliveries, tasks  # noqa: F401

        deliveries.connect()
