"""WSGI entry point used by `satudata serve` (granian) and any other WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
application = get_wsgi_application()


def _import_every_view_module() -> None:
    # Django imports the URLconf (and through it every app's views) on the first request. Under
    # a threaded server the first requests arrive together, and several threads importing the
    # same modules at once was seen to hang a worker for good; importing them here, before the
    # server accepts a connection, leaves nothing to import concurrently.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - evaluating it imports every URLconf and view


_import_every_view_module()
