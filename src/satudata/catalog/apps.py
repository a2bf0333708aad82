from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "satudata.catalog"
    label = "catalog"

    def ready(self) -> None:
        from satudata.catalog import fts

        # Re-create the SQLite full-text index after every migration (a table rebuild drops
        # its triggers); see catalog/fts.py.
        post_migrate.connect(fts.post_migrate_handler, sender=self, dispatch_uid="catalog-fts")
