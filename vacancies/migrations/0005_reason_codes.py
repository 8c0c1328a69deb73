"""R-P-4, issue 14 item 6: a seat event's reason is a code from a list; what was typed becomes a note.

Reasons typed before are kept, unpublished, as the note ("other" is the code); the reasons the portal
wrote itself get their code. Protocols already published are never changed (their hashes stand).
"""

from django.conf import settings
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
# What the portal wrote itself before the codes.
SYSTEM_TEXTS = {
    "referral expired": "expired",
    "extraordinary privilege not confirmed": "privilege_not_confirmed",
    "personal cabinet blocked": "account_blocked",
}


def reasons_to_codes(apps, schema_editor):
    SeatEvent = apps.get_model("vacancies", "SeatEvent")
    Seat = apps.get_model("vacancies", "Seat")
    for text, code in SYSTEM_TEXTS.items():
        SeatEvent.objects.filter(reason=text).update(reason=code)
        Seat.objects.filter(withdraw_reason=text).update(withdraw_reason=code)
    # One UPDATE each: the note takes the old text before the reason becomes "other" (SQL reads old values).
    SeatEvent.objects.exclude(reason="").exclude(reason__in=REASON_CODES).update(note=F("reason"), reason="other")
    Seat.objects.exclude(withdraw_reason="").exclude(withdraw_reason__in=REASON_CODES).update(withdraw_reason="other")


class Migration(migrations.Migration):
    dependencies = [
        ("vacancies", "0004_registry_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="seatevent",
            name="note",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(reasons_to_codes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="seatevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("reason", ""), ("reason__in", REASON_CODES), _connector="OR"),
                name="seat_event_reason_code",
            ),
        ),
    ]
