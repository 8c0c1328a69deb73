"""The summer schedule's models leave placement's state for vacancies' (vacancies 0007).

State only: the tables stay, now owned by vacancies under their old names.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('placement', '0006_merge_close_note_and_turn_indexes'),
        ('vacancies', '0007_summer_schedule_moved_in'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='SummerWindowChange'),
                migrations.DeleteModel(name='SummerWindow'),
                migrations.DeleteModel(name='ScheduleLogEntry'),
            ],
            database_operations=[],
        ),
    ]
