"""How people name themselves: an IIN, a Kazakh mobile number or (staff, officers) a login."""

import re

from accounts.models import User

_NOT_DIGITS = re.compile(r"[\s()\-.]")


def normalize_phone(text: str) -> str | None:
    """'+7 701 000-00-01', '87010000001', '7010000001' → '+77010000001'; None when it is no KZ number."""
    raw = _NOT_DIGITS.sub("", text or "")
    if raw.startswith("+"):
        raw = raw[1:]
        if not (raw.startswith("7") and len(raw) == 11):
            return None
    elif len(raw) == 11 and raw[0] in "78":
        raw = "7" + raw[1:]
    elif len(raw) == 10:
        raw = "7" + raw
    else:
        return None
    if not raw.isdigit() or raw[1] not in "67":  # Kazakhstan's +7 6xx/7xx ranges
        return None
    return "+" + raw


def find_user(identifier: str) -> User | None:
    """The account an identifier names: 12 digits are an IIN, a phone number a phone, anything else a login."""
    value = (identifier or "").strip()
    if not value:
        return None
    if len(value) == 12 and value.isdigit():
        return User.objects.filter(iin=value).first()
    phone = normalize_phone(value)
    if phone is not None:
        user = User.objects.filter(phone=phone).first()
        if user is not None:
            return user
    return User.objects.filter(username=value).first()
