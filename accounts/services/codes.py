"""One-time codes sent by SMS (R-A-2): short-lived, few attempts, few resends, only a keyed hash kept."""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import PhoneCode
from accounts.net import client_ip
from accounts.ratelimit import rate_limit_hit
from indigo import clock, senders
from indigo.digits import ascii_digits_or_none
from indigo.errors import ServiceError

CODE_DIGITS = 6


def _setting(name: str, default):
    return getattr(settings, name, default)


def _digest(code: PhoneCode, raw: str) -> str:
    message = f"{code.purpose}|{code.phone}|{code.salt}|{raw}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    return f"{phone[:5]}•••{phone[-2:]}" if len(phone) > 7 else "•••"


def _text(purpose: str, raw: str, minutes: int, language: str) -> str:
    with override(language):
        if purpose == PhoneCode.Purpose.RESET:
            template = gettext(
                "Indigo: %(code)s is your password reset code. Valid %(minutes)s min. Tell it to no one."
            )
        else:
            template = gettext("Indigo: %(code)s is your sign-up code. Valid %(minutes)s min. Tell it to no one.")
    return template % {"code": raw, "minutes": minutes}


def phone_code_send(*, phone: str, purpose: str, request=None, language: str = "kk", deliver: bool = True) -> PhoneCode:
    """Make a new code for a phone (the older ones stop working) and SMS it after commit.

    Limits: one code a minute per phone, PHONE_CODE_MAX_SENDS per hour per phone and purpose,
    PHONE_CODE_IP_RATE per address (a rate-limit window in the cache).

    deliver=False makes the same code row under the same limits and sends nothing: for details that
    name no account (or one that is not the asker's), so that the answer, the limits and the
    wrong-code replies are those of a real code while nobody can know it (issue 14, item 4).
    """
    now = clock.now()
    if request is not None:
        rate_limit_hit("phone-code-ip", client_ip(request) or "unknown", _setting("PHONE_CODE_IP_RATE", "10/h"))
    recent = PhoneCode.objects.filter(phone=phone, purpose=purpose, created_at__gt=now - dt.timedelta(hours=1))
    latest = recent.order_by("-created_at").first()
    gap = dt.timedelta(seconds=_setting("PHONE_CODE_RESEND_SECONDS", 60))
    if latest is not None and now - latest.created_at < gap:
        wait = int((latest.created_at + gap - now).total_seconds()) + 1
        raise ServiceError(
            "code_resend_too_soon",
            _("A code was just sent. Ask for a new one in %(seconds)s seconds."),
            status=429,
            seconds=wait,
        )
    if recent.count() >= _setting("PHONE_CODE_MAX_SENDS", 3):
        raise ServiceError(
            "code_resend_limit", _("Too many codes were sent to this number. Try again in an hour."), status=429
        )
    raw = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    ttl = _setting("PHONE_CODE_TTL_SECONDS", 300)
    with transaction.atomic():
        # A new code replaces the old ones: only the last SMS received is the one to type.
        PhoneCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(used_at=now)
        code = PhoneCode(
            phone=phone,
            purpose=purpose,
            salt=secrets.token_hex(16),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ttl),
            ip=client_ip(request),
        )
        code.code_hash = _digest(code, raw)
        code.save()
        if deliver:
            senders.sms_later(phone, _text(purpose, raw, max(ttl // 60, 1), language))
        audit_record(
            actor=None,
            action="phone_code.send",
            obj=code,
            request=request,
            data={"phone": mask_phone(phone), "purpose": purpose, "delivered": deliver},
        )
    return code


def phone_code_verify(*, phone: str, purpose: str, code: str) -> PhoneCode:
    """Use up the phone's current code if `code` is it; every wrong try counts against the limit."""
    now = clock.now()
    current = (
        PhoneCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).order_by("-created_at").first()
    )
    if current is None:
        raise ServiceError("code_missing", _("This code is not valid any more. Ask for a new one."))
    if current.expires_at <= now:
        raise ServiceError("code_expired", _("This code has expired. Ask for a new one."))
    if current.attempts >= _setting("PHONE_CODE_MAX_ATTEMPTS", 5):
        raise ServiceError("code_attempts", _("Too many wrong codes. Ask for a new one."))
    typed = "".join(ch for ch in ascii_digits_or_none(code) or "" if ch in "0123456789")
    if not hmac.compare_digest(_digest(current, typed), current.code_hash):
        PhoneCode.objects.filter(pk=current.pk).update(attempts=F("attempts") + 1)
        raise ServiceError("code_wrong", _("The code is not right. Check the SMS and try again."))
    # Compare-and-set: of two requests with the same code only one wins.
    if not PhoneCode.objects.filter(pk=current.pk, used_at__isnull=True).update(used_at=now):
        raise ServiceError("code_missing", _("This code is not valid any more. Ask for a new one."))
    current.used_at = now
    return current
