"""R-P-4, issue 14 item 6: a referral's close reason is a code (as its seat event's); typed text becomes the note."""

from django.db import migrations, models
from django.db.models import F

REASON_CODES = [
    "account_blocked",
    "did_not_come",
    "expired",
    "fewer_places",
    "group_closed",
    "health",
    "later",
    "mistake",
    "moved",
    "other",
    "other_kindergarten",
    "privilege_not_confirmed",
    "quarantine",
    "repairs",
    "school",
    "too_far",
]
SYSTEM_TEXTS = {
    "referral expired": "expired",
    "extraordinary privilege not confirmed": "privilege_not_confirmed",
    "personal cabinet blocked": "account_blocked",
}


def reasons_to_codes(apps, schema_editor):
    Referral = apps.get_model("placement", "Referral")
    for text, code in SYSTEM_TEXTS.items():
        Referral.objects.filter(close_reason=text).update(close_reason=code)
    free = Referral.objects.exclude(close_reason="").exclude(close_reason__in=REASON_CODES)
    free.update(close_note=F("close_reason"), close_reason="other")


class Migration(migrations.Migration):
    dependencies = [
        ("placement", "0002_reminders_and_turn_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="close_note",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(reasons_to_codes, migrations.RunPython.noop),
    ]
