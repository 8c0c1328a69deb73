"""The PL/pgSQL function of a bid's write, placement/window/bid_write.py. It is made again from the models
after every migrate (placement/apps.py); this migration makes it the first time and drops it on the way back."""

from django.db import migrations


def install(apps, schema_editor):
    from placement.window.bid_write import bid_write_function_install

    bid_write_function_install(schema_editor.connection.alias)


def drop(apps, schema_editor):
    from placement.window.bid_write import bid_write_function_drop

    bid_write_function_drop(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("placement", "0014_bid_window_no_own_index")]

    operations = [migrations.RunPython(install, drop)]
