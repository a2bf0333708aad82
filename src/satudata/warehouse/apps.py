from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    name = "satudata.warehouse"
    label = "warehouse"

    def ready(self) -> None:
        # Huey tasks register themselves with the shared instance on import: the ingest job
        # (tasks.py) and the comparison of large versions (comparisons.py).
        from satudata.warehouse import comparisons, tasks  # noqa: F401
