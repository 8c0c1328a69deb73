from django.apps import AppConfig


class PlacementConfig(AppConfig):
    name = "placement"

    def ready(self):
        from placement.protocol_entries import CATEGORY_CHANGES
        from placement.wait_report import wait_report_register
        from vacancies.protocol import protocol_source_register

        wait_report_register()
        # Lower layers learn of placement only through what it registers here (DESIGN §4).
        protocol_source_register(CATEGORY_CHANGES)
