from django.apps import AppConfig


class PlacementConfig(AppConfig):
    name = "placement"

    def ready(self):
        from accounts.signals import account_block_consequences, account_blocked
        from placement.protocol_entries import CATEGORY_CHANGES
        from placement.reports import reports_register
        from placement.services.account_blocks import on_account_block_consequences, on_account_blocked
        from vacancies.protocol import protocol_source_register

        reports_register()
        # Lower layers learn of placement only through what it registers here (DESIGN §4).
        protocol_source_register(CATEGORY_CHANGES)
        account_blocked.connect(on_account_blocked, dispatch_uid="placement.account_blocked")
        account_block_consequences.connect(on_account_block_consequences, dispatch_uid="placement.block_consequences")
