from django.apps import AppConfig


class PlacementConfig(AppConfig):
    name = "placement"

    def ready(self):
        from placement.reports import reports_register

        reports_register()
