"""The PL/pgSQL functions behind a claim's reads of its applications and seats (a bid's of its applications),
placement/services/claim_reads.py. They are made again from the models after every migrate (placement/apps.py);
this migration makes them the first time and drops them on the way back."""

from django.db import migrations


def install(apps, schema_editor):
    from placement.services.claim_reads import claim_reads_functions_install

    claim_reads_functions_install(schema_editor.connection.alias)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS indigo_claim_applications(bigint, bigint[])")
        schema_editor.execute("DROP FUNCTION IF EXISTS indigo_claim_seats(bigint[])")


class Migration(migrations.Migration):
    dependencies = [("placement", "0012_turn_exact_pass_indexes")]

    operations = [migrations.RunPython(install, drop)]
