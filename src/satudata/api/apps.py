from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "satudata.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        # The daily purge of the request log registers itself with the shared Huey instance.
        from satudata.api import requestlog_tasks  # noqa: F401
