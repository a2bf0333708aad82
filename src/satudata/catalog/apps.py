from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "satudata.catalog"
    label = "catalog"
