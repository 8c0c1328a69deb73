"""A parent's account (R-A-2): an adult's valid IIN, a phone confirmed by SMS code, a password.

The form validates the password with Django's validators; these functions hold the rules about
IINs, phones and codes so that a page and an API call refuse the same things with the same words.
"""

import datetime as dt

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.identity import find_user, normalize_phone
from accounts.models import PhoneCode, User
from accounts.net import client_ip
from accounts.ratelimit import rate_limit_hit
from accounts.scoping import user_city
from accounts.services.codes import phone_code_send, phone_code_verify
from indigo import clock
from indigo.errors import Conflict, ServiceError
from indigo.iin import IIN, InvalidIIN, parse_iin

ADULT_AGE = 18

IIN_MESSAGES = {
    "format": _("An IIN is exactly 12 digits."),
    "checksum": _("This IIN has a wrong check digit. Check the number on your ID card."),
    "century": _("This IIN is not valid: its seventh digit must be 1 to 6."),
    "date": _("This IIN is not valid: it does not begin with a real birth date."),
}


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def iin_parse_or_refuse(text: str) -> IIN:
    try:
        return parse_iin(text)
    except InvalidIIN as error:
        raise ServiceError(f"iin_{error.code}", IIN_MESSAGES[error.code]) from None


def parent_iin_check(text: str) -> IIN:
    """A valid IIN of an adult that has no account yet."""
    iin = iin_parse_or_refuse(text)
    if age_on(iin.birth_date, clock.local_today()) < ADULT_AGE:
        raise ServiceError("iin_minor", _("A legal representative must be at least %(age)s years old."), age=ADULT_AGE)
    if User.objects.filter(iin=iin.value).exists():
        raise Conflict("iin_taken", _("An account with this IIN already exists. Sign in or restore your password."))
    return iin


def phone_check(text: str) -> str:
    phone = normalize_phone(text)
    if phone is None:
        raise ServiceError("phone_invalid", _("Give a Kazakh mobile number, for example +7 701 234 56 78."))
    if User.objects.filter(phone=phone).exists():
        raise Conflict(
            "phone_taken", _("This phone number already belongs to an account. Sign in or restore your password.")
        )
    return phone


def parent_signup_start(
    *, iin: str, phone: str, last_name: str, first_name: str, password: str, request=None, language: str = "kk"
) -> dict:
    """Check the details and SMS a code. Returns what to keep until the code comes back (no raw password)."""
    parsed = parent_iin_check(iin)
    phone = phone_check(phone)
    phone_code_send(phone=phone, purpose=PhoneCode.Purpose.SIGNUP, request=request, language=language)
    return {
        "iin": parsed.value,
        "phone": phone,
        "last_name": last_name.strip(),
        "first_name": first_name.strip(),
        "password": make_password(password),
        "language": language,
    }


def parent_signup_resend(*, pending: dict, request=None) -> None:
    phone_code_send(
        phone=pending["phone"],
        purpose=PhoneCode.Purpose.SIGNUP,
        request=request,
        language=pending.get("language", "kk"),
    )


def parent_signup_finish(*, pending: dict, code: str, request=None) -> User:
    """The code proves the phone: the account is made, phone confirmed."""
    # Checked again: someone may have signed up with this IIN or phone while the SMS travelled.
    parent_iin_check(pending["iin"])
    phone_check(pending["phone"])
    # Outside the transaction below, so a wrong code's attempt counter is kept whatever happens next.
    phone_code_verify(phone=pending["phone"], purpose=PhoneCode.Purpose.SIGNUP, code=code)
    try:
        with transaction.atomic():
            user = User(
                username=pending["iin"],
                iin=pending["iin"],
                phone=pending["phone"],
                phone_confirmed_at=clock.now(),
                first_name=pending["first_name"],
                last_name=pending["last_name"],
                role=User.Role.PARENT,
                language=pending.get("language", "kk"),
                password=pending["password"],
            )
            user.save()
            audit_record(actor=user, action="account.signup", obj=user, city=user_city(user), request=request)
    except IntegrityError:
        raise Conflict(
            "iin_taken", _("An account with this IIN already exists. Sign in or restore your password.")
        ) from None
    return user


def password_reset_start(*, identifier: str, request=None, language: str = "kk") -> str | None:
    """SMS a reset code to the account's confirmed phone. Unknown accounts get the same answer, no SMS."""
    if request is not None:
        # Counted for every request, known account or not, so the limit tells nothing about accounts.
        rate_limit_hit("reset-ip", client_ip(request) or "unknown", "20/h")
    user = find_user(identifier)
    if user is None or not user.phone or not user.is_active:
        return None
    phone_code_send(phone=user.phone, purpose=PhoneCode.Purpose.RESET, request=request, language=language)
    return user.phone


def password_reset_finish(*, phone: str, code: str, password: str, request=None) -> User:
    """The code proves the phone; the new password ends every other session (Django's session hash)."""
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        raise ServiceError("code_missing", _("This code is not valid any more. Ask for a new one."))
    phone_code_verify(phone=phone, purpose=PhoneCode.Purpose.RESET, code=code)
    with transaction.atomic():
        user.set_password(password)
        if user.phone_confirmed_at is None:
            user.phone_confirmed_at = clock.now()
        user.save(update_fields=["password", "phone_confirmed_at"])
        audit_record(actor=user, action="account.password_reset", obj=user, city=user_city(user), request=request)
    # Whoever proved the phone may try passwords again.
    axes_reset(username=f"user:{user.pk}")
    return user
