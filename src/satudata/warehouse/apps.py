from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    name = "satudata.warehouse"
    label = "warehouse"
