"""The summer schedule's models move from placement to vacancies (issue 13, DESIGN §4).

State only: the tables keep their placement_* names (db_table), so no row is copied and no table is
renamed. placement 0007 then drops the models from placement's state. Content types follow the models,
so admin permissions and log entries keep pointing at them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ("summerwindow", "summerwindowchange", "schedulelogentry")


def _move_content_types(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if not ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def content_types_forward(apps, schema_editor):
    _move_content_types(apps, schema_editor, "placement", "vacancies")


def content_types_backward(apps, schema_editor):
    _move_content_types(apps, schema_editor, "vacancies", "placement")


class Migration(migrations.Migration):

    dependencies = [
        ('vacancies', '0006_merge_reason_codes_and_general_once'),
        # The tables are made by placement's migrations; they must exist before vacancies owns them.
        ('placement', '0006_merge_close_note_and_turn_indexes'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ScheduleLogEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField()),
                        ('cohort', models.PositiveSmallIntegerField()),
                        ('at', models.DateTimeField(db_index=True)),
                        ('before', models.JSONField(blank=True, default=dict)),
                        ('after', models.JSONField(default=dict)),
                        ('reason', models.CharField(max_length=300)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('city', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='schedule_log', to='vacancies.city')),
                        ('kindergarten', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='vacancies.kindergarten')),
                    ],
                    options={
                        'verbose_name': 'schedule log entry',
                        'verbose_name_plural': 'schedule log',
                        'db_table': 'placement_schedulelogentry',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SummerWindow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField()),
                        ('cohort', models.PositiveSmallIntegerField()),
                        ('priority_start', models.DateField()),
                        ('priority_end', models.DateField()),
                        ('general_date', models.DateField()),
                        ('city', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='summer_windows', to='vacancies.city')),
                    ],
                    options={
                        'verbose_name': 'summer recruitment window',
                        'verbose_name_plural': 'summer recruitment windows',
                        'db_table': 'placement_summerwindow',
                        'ordering': ['city', 'year', 'priority_start', 'cohort'],
                    },
                ),
                migrations.CreateModel(
                    name='SummerWindowChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('priority_start', models.DateField()),
                        ('priority_end', models.DateField()),
                        ('general_date', models.DateField()),
                        ('reason', models.CharField(max_length=300)),
                        ('created_at', models.DateTimeField()),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('kindergarten', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='vacancies.kindergarten')),
                        ('window', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='kindergarten_changes', to='vacancies.summerwindow')),
                    ],
                    options={
                        'verbose_name': 'kindergarten schedule change',
                        'verbose_name_plural': 'kindergarten schedule changes',
                        'db_table': 'placement_summerwindowchange',
                        'ordering': ['window', 'kindergarten'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='summerwindow',
                    constraint=models.UniqueConstraint(fields=('city', 'year', 'cohort'), name='summer_window_one_per_cohort'),
                ),
                migrations.AddConstraint(
                    model_name='summerwindow',
                    constraint=models.CheckConstraint(condition=models.Q(('priority_end__gte', models.F('priority_start')), ('general_date__gt', models.F('priority_end'))), name='summer_window_dates_in_order'),
                ),
                migrations.AddConstraint(
                    model_name='summerwindowchange',
                    constraint=models.UniqueConstraint(fields=('window', 'kindergarten'), name='summer_change_one_per_kindergarten'),
                ),
                migrations.AddConstraint(
                    model_name='summerwindowchange',
                    constraint=models.CheckConstraint(condition=models.Q(('priority_end__gte', models.F('priority_start')), ('general_date__gt', models.F('priority_end'))), name='summer_change_dates_in_order'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
