from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlacementConfig(AppConfig):
    name = "placement"

    def ready(self):
        from accounts.scoping import parent_city_register, visibility_register
        from accounts.signals import account_block_consequences, account_blocked
        from placement import reports, scoping  # noqa: F401 - reports list themselves in the console on import
        from placement.protocol_entries import CATEGORY_CHANGES
        from placement.services.account_blocks import on_account_block_consequences, on_account_blocked
        from vacancies.protocol import protocol_source_register

        # Lower layers learn of placement only through what it registers here (DESIGN §4).
        protocol_source_register(CATEGORY_CHANGES)
        for model, rule in scoping.VISIBILITY.items():
            visibility_register(model, rule)
        parent_city_register(scoping.parent_city)
        account_blocked.connect(on_account_blocked, dispatch_uid="placement.account_blocked")
        account_block_consequences.connect(on_account_block_consequences, dispatch_uid="placement.block_consequences")
        post_migrate.connect(_functions_install, sender=self, dispatch_uid="placement.functions")


def _functions_install(using="default", **kwargs):
    """The database functions of the hot reads and the bid's write, made again from the current models
    after every migrate."""
    from placement.services.claim_reads import claim_reads_functions_install
    from placement.window.bid_write import bid_write_function_install

    claim_reads_functions_install(using)
    bid_write_function_install(using)
