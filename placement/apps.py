from django.apps import AppConfig


class PlacementConfig(AppConfig):
    name = "placement"

    def ready(self):
        from placement.wait_report import wait_report_register

        wait_report_register()
