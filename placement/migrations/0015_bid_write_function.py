"""The PL/pgSQL function that writes a bid with its audit entry (placement/window/bids.py). It is made again
from the models after every migrate (placement/apps.py); this migration makes it the first time and drops it
on the way back."""

from django.db import migrations


def install(apps, schema_editor):
    from placement.window.bids import bids_functions_install

    bids_functions_install(schema_editor.connection.alias)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS indigo_bid_write CASCADE")


class Migration(migrations.Migration):
    dependencies = [("placement", "0014_bid_window_no_own_index")]

    operations = [migrations.RunPython(install, drop)]
