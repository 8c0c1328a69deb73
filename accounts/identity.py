"""How people name themselves: an IIN, a Kazakh mobile number or (staff, officers) a login."""

import re

from accounts.models import User
from indigo.digits import ascii_digits_or_none, is_ascii_number

_NOT_DIGITS = re.compile(r"[\s()\-.]")


def normalize_phone(text: str) -> str | None:
    """'+7 701 000-00-01', '87010000001', '7010000001' → '+77010000001'; None when it is no KZ number.

    Digits of other scripts are read as 0-9 (indigo/digits.py): the stored number is ASCII only.
    """
    raw = _NOT_DIGITS.sub("", ascii_digits_or_none(text) or "")
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
    if not is_ascii_number(raw) or raw[1] not in "67":  # Kazakhstan's +7 6xx/7xx ranges
        return None
    return "+" + raw


def find_user(identifier: str) -> User | None:
    """The account an identifier names: 12 digits are an IIN, a phone number a phone, anything else a login."""
    value = (identifier or "").strip()
    if not value:
        return None
    # The same IIN in Arabic-Indic or fullwidth digits names the same account.
    digits = ascii_digits_or_none(value)
    if digits is not None and len(digits) == 12 and is_ascii_number(digits):
        return User.objects.filter(iin=digits).first()
    phone = normalize_phone(value)
    if phone is not None:
        user = User.objects.filter(phone=phone).first()
        if user is not None:
            return user
    return User.objects.filter(username=value).first()
