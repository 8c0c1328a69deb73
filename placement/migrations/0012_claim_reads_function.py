"""The PL/pgSQL function behind a claim's and a bid's read of its applications (placement/services/claim_reads.py).
It is made again from the models after every migrate (placement/apps.py); this migration makes it the first time
and drops it on the way back."""

from django.db import migrations


def install(apps, schema_editor):
    from placement.services.claim_reads import claim_reads_functions_install

    claim_reads_functions_install(schema_editor.connection.alias)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS indigo_claim_applications(bigint, bigint[])")


class Migration(migrations.Migration):
    dependencies = [("placement", "0011_bid_batch_index")]

    operations = [migrations.RunPython(install, drop)]
