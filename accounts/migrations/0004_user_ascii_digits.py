"""Users' IINs and phones hold ASCII digits only (issue 14, item 1).

Rows written before the check are read as the forms now read them (any script's digits as 0-9).
A row whose IIN or phone then equals another account's is the second cabinet the check exists to
stop: it loses that identifier and is deactivated, so the department finds it in the admin.
"""

import re

from django.db import migrations, models
from django.db.models import Q

IIN_ASCII = r"^[0-9]{12}$"
PHONE_ASCII = r"^\+7[0-9]{10}$"


def normalise_existing(apps, schema_editor):
    from accounts.identity import normalize_phone
    from indigo.iin import InvalidIIN, parse_iin

    User = apps.get_model("accounts", "User")
    odd = User.objects.filter(
        (Q(iin__isnull=False) & ~Q(iin__regex=IIN_ASCII)) | (Q(phone__isnull=False) & ~Q(phone__regex=PHONE_ASCII))
    )
    for user in odd:
        if user.iin is not None and not re.fullmatch(r"[0-9]{12}", user.iin):
            try:
                iin = parse_iin(user.iin).value
            except InvalidIIN:
                iin = None
            if iin is None or User.objects.filter(iin=iin).exclude(pk=user.pk).exists():
                user.is_active = False
                iin = None
            user.iin = iin
        if user.phone is not None and not re.fullmatch(r"\+7[0-9]{10}", user.phone):
            phone = normalize_phone(user.phone)
            if phone is None or User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
                user.is_active = False
                phone = None
            user.phone = phone
        user.save(update_fields=["iin", "phone", "is_active"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_security_and_sharing"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("vacancies", "0004_registry_indexes"),
    ]

    operations = [
        migrations.RunPython(normalise_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("iin__regex", IIN_ASCII)), name="user_iin_ascii_digits"
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("phone__regex", PHONE_ASCII)), name="user_phone_ascii_digits"
            ),
        ),
    ]
