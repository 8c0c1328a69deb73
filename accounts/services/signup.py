"""A parent's account (R-A-2): an adult's valid IIN, a phone confirmed by SMS code, a password.

The form validates the password with Django's validators; these functions hold the rules about
IINs, phones and codes so that a page and an API call refuse the same things with the same words.

Nothing here tells who has an account (issue 14, item 4): sign-up with an IIN or phone that already
has one, and a password reset for details that name no account, answer exactly as the real thing
does (the same page, the same limits, a code row whose code nobody knows). The real owner is
helped instead: the reset code goes only to the account's own phone, and the owner of a taken IIN
or phone gets an SMS saying that someone tried to sign up with it.
"""

import datetime as dt
import hashlib

from axes.utils import reset as axes_reset
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from accounts.audit import audit_record
from accounts.identity import find_user, normalize_phone
from accounts.models import PhoneCode, User
from accounts.net import client_ip
from accounts.ratelimit import rate_limit_hit
from accounts.scoping import user_city
from accounts.services.codes import phone_code_send, phone_code_verify
from indigo import clock, senders
from indigo.errors import Conflict, ServiceError
from indigo.iin import IIN, InvalidIIN, parse_iin

ADULT_AGE = 18
# Every sign-up or reset request counts, whatever it names, so the limit tells nothing about accounts.
SIGNUP_IP_RATE = "20/h"
RESET_IP_RATE = "20/h"
# The owner of a taken IIN or phone hears of attempts, but at most this often (no SMS flood).
ATTEMPT_NOTICE_RATE = "3/d"

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


def parent_iin_valid(text: str) -> IIN:
    """A valid IIN of an adult; whether it has an account is not said here."""
    iin = iin_parse_or_refuse(text)
    if age_on(iin.birth_date, clock.local_today()) < ADULT_AGE:
        raise ServiceError("iin_minor", _("A legal representative must be at least %(age)s years old."), age=ADULT_AGE)
    return iin


def phone_valid(text: str) -> str:
    """A Kazakh mobile number, normalised; whether it has an account is not said here."""
    phone = normalize_phone(text)
    if phone is None:
        raise ServiceError("phone_invalid", _("Give a Kazakh mobile number, for example +7 701 234 56 78."))
    return phone


def parent_iin_check(text: str) -> IIN:
    """A valid IIN of an adult that has no account yet."""
    iin = parent_iin_valid(text)
    if User.objects.filter(iin=iin.value).exists():
        raise Conflict("iin_taken", _("An account with this IIN already exists. Sign in or restore your password."))
    return iin


def phone_check(text: str) -> str:
    phone = phone_valid(text)
    if User.objects.filter(phone=phone).exists():
        raise Conflict(
            "phone_taken", _("This phone number already belongs to an account. Sign in or restore your password.")
        )
    return phone


def parent_signup_start(
    *, iin: str, phone: str, last_name: str, first_name: str, password: str, request=None, language: str = "kk"
) -> dict:
    """Check the details and SMS a code. Returns what to keep until the code comes back (no raw password).

    An IIN or phone that already has an account gets the same answer, but the code is not sent
    (nobody can finish) and the account's owner is told by SMS that someone tried.
    """
    if request is not None:
        rate_limit_hit("signup-ip", client_ip(request) or "unknown", SIGNUP_IP_RATE)
    parsed = parent_iin_valid(iin)
    phone = phone_valid(phone)
    owners = _owners(parsed.value, phone)
    phone_code_send(
        phone=phone, purpose=PhoneCode.Purpose.SIGNUP, request=request, language=language, deliver=not owners
    )
    _tell_owners(owners, iin=parsed.value, request=request)
    return {
        "iin": parsed.value,
        "phone": phone,
        "last_name": last_name.strip(),
        "first_name": first_name.strip(),
        "password": make_password(password),
        "language": language,
    }


def _owners(iin: str, phone: str) -> list[User]:
    return list(User.objects.filter(Q(iin=iin) | Q(phone=phone)))


def _tell_owners(owners: list[User], *, iin: str, request=None) -> None:
    for owner in owners:
        if not owner.phone:
            continue
        notice = rate_limit_hit("signup-attempt-notice", f"user:{owner.pk}", ATTEMPT_NOTICE_RATE, raise_error=False)
        if not notice.allowed:
            continue
        with override(owner.language or "kk"):
            if owner.iin == iin:
                text = _gettext(
                    "Indigo: someone tried to open a new account with your IIN. If it was you, sign in or restore "
                    "your password. If not, your account is safe and nothing needs doing."
                )
            else:
                text = _gettext(
                    "Indigo: someone tried to open a new account with your phone number. If it was you, sign in or "
                    "restore your password. If not, your account is safe and nothing needs doing."
                )
        senders.sms_later(owner.phone, text)
        audit_record(
            actor=None, action="account.signup_attempt_on_taken", obj=owner, city=user_city(owner), request=request
        )


def parent_signup_resend(*, pending: dict, request=None) -> None:
    phone_code_send(
        phone=pending["phone"],
        purpose=PhoneCode.Purpose.SIGNUP,
        request=request,
        language=pending.get("language", "kk"),
        deliver=not _owners(pending["iin"], pending["phone"]),
    )


def parent_signup_finish(*, pending: dict, code: str, request=None) -> User:
    """The code proves the phone: the account is made, phone confirmed."""
    # The code first: for taken details none was sent, so the answer is the usual wrong-code one and
    # tells nothing. Outside the transaction below, so a wrong code's attempt counter is kept.
    phone_code_verify(phone=pending["phone"], purpose=PhoneCode.Purpose.SIGNUP, code=code)
    # Checked again: someone may have signed up with this IIN or phone while the SMS travelled.
    parent_iin_check(pending["iin"])
    phone_check(pending["phone"])
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


def _no_account_key(identifier: str) -> str:
    """Where the code of a reset that names no account is kept: the phone typed, else a digest of the text.

    Its limits then work as a real account's do (a few codes an hour per phone or identifier)."""
    phone = normalize_phone(identifier)
    if phone is not None:
        return phone
    digest = hashlib.sha256((identifier or "").strip().casefold().encode()).hexdigest()
    return f"id:{digest[:17]}"


def password_reset_start(*, identifier: str, request=None, language: str = "kk") -> str:
    """SMS a reset code to the account's own confirmed phone, and only there.

    Details that name no (active, phoned) account get the same answer and limits: a code row nobody
    receives. Returns the key the confirmation step checks the code against."""
    if request is not None:
        # Counted for every request, known account or not, so the limit tells nothing about accounts.
        rate_limit_hit("reset-ip", client_ip(request) or "unknown", RESET_IP_RATE)
    user = find_user(identifier)
    if user is None or not user.phone or not user.is_active:
        key = _no_account_key(identifier)
        phone_code_send(phone=key, purpose=PhoneCode.Purpose.RESET, request=request, language=language, deliver=False)
        return key
    phone_code_send(phone=user.phone, purpose=PhoneCode.Purpose.RESET, request=request, language=language)
    return user.phone


def password_reset_finish(*, phone: str, code: str, password: str, request=None) -> User:
    """The code proves the phone; the new password ends every other session (Django's session hash)."""
    # The code first, so that details naming no account answer as a wrong code does.
    phone_code_verify(phone=phone, purpose=PhoneCode.Purpose.RESET, code=code)
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        raise ServiceError("code_missing", _("This code is not valid any more. Ask for a new one."))
    try:
        # The form checked the password without the account (which it must not reveal); now with it.
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ServiceError("password_invalid", " ".join(error.messages)) from None
    with transaction.atomic():
        user.set_password(password)
        if user.phone_confirmed_at is None:
            user.phone_confirmed_at = clock.now()
        user.save(update_fields=["password", "phone_confirmed_at"])
        audit_record(actor=user, action="account.password_reset", obj=user, city=user_city(user), request=request)
    # Whoever proved the phone may try passwords again.
    axes_reset(username=f"user:{user.pk}")
    return user
