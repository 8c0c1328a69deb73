"""Cabinet sharing signals (R-A-3).

Every login records where it came from: the address, its network (/24 or /48) and a device
fingerprint from the user agent. A parent's account is flagged for the department when its
*concurrent* sessions — logins within SHARING_WINDOW_HOURS whose sessions are still alive (not
signed out, not expired) — come from more distinct networks, or more distinct devices, than the
city's `sharing_signal_threshold`. One family's phone, home computer and work computer stay under
the default of 3; a cabinet handed to a middleman who works it from his own office does not.
A flag is evidence for a person to judge, never a block by itself.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import AccountFlag, LoginSignal, User
from accounts.net import client_ip, device_fingerprint, network_of
from accounts.scoping import can_manage_city, parent_city
from accounts.services.sessions import session_alive
from indigo import clock
from indigo.errors import Conflict, NotAllowed

# Only the newest sessions are looked at: a flag needs a handful, not the account's whole history.
MAX_SIGNALS = 30


def login_signal_record(*, user: User, request) -> LoginSignal:
    ip = client_ip(request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    session = getattr(request, "session", None)
    return LoginSignal.objects.create(
        user=user,
        at=clock.now(),
        ip=ip,
        network=network_of(ip),
        device=device_fingerprint(user_agent),
        user_agent=user_agent,
        session_key=(session.session_key or "") if session is not None else "",
    )


def login_signal_end(*, user: User, session_key: str | None) -> None:
    if session_key:
        LoginSignal.objects.filter(user=user, session_key=session_key, ended_at__isnull=True).update(
            ended_at=clock.now()
        )


def concurrent_signals(*, user: User) -> list[LoginSignal]:
    since = clock.now() - dt.timedelta(hours=getattr(settings, "SHARING_WINDOW_HOURS", 24))
    recent = LoginSignal.objects.filter(user=user, at__gte=since, ended_at__isnull=True).order_by("-at")[:MAX_SIGNALS]
    return [signal for signal in recent if session_alive(signal.session_key)]


def sharing_evaluate(*, user: User) -> AccountFlag | None:
    """Flag (or add evidence to the open flag of) a parent seen in too many places at once."""
    if user.role != User.Role.PARENT:
        return None
    signals = concurrent_signals(user=user)
    networks = {signal.network for signal in signals}
    devices = {signal.device for signal in signals}
    city = parent_city(user)
    threshold = city.sharing_signal_threshold if city is not None else 3
    if len(networks) <= threshold and len(devices) <= threshold:
        return None
    now = clock.now()
    evidence = [
        {
            "at": signal.at.isoformat(),
            "ip": signal.ip,
            "network": signal.network,
            "device": signal.device,
            "user_agent": signal.user_agent,
        }
        for signal in reversed(signals)
    ]
    fields = {
        "networks": len(networks),
        "devices": len(devices),
        "threshold": threshold,
        "evidence": evidence,
        "updated_at": now,
        "city": city,
    }
    try:
        with transaction.atomic():
            flag, created = AccountFlag.objects.update_or_create(
                user=user, state=AccountFlag.State.OPEN, defaults=fields, create_defaults={**fields, "created_at": now}
            )
            if created:
                audit_record(
                    actor=None,
                    action="account.flag",
                    obj=flag,
                    city=city,
                    data={"user": user.pk, "networks": len(networks), "devices": len(devices), "threshold": threshold},
                )
    except IntegrityError:
        # Two logins at the same moment both created the flag; the other one's row stands.
        flag = AccountFlag.objects.get(user=user, state=AccountFlag.State.OPEN)
    return flag


def account_flag_dismiss(*, flag: AccountFlag, note: str, by: User, request=None) -> AccountFlag:
    if not can_manage_city(by, flag.city_id):
        raise NotAllowed("not_your_city", _("You can decide only on your city's accounts."))
    now = clock.now()
    with transaction.atomic():
        changed = AccountFlag.objects.filter(pk=flag.pk, state=AccountFlag.State.OPEN).update(
            state=AccountFlag.State.DISMISSED, decided_at=now, decided_by=by, decision_note=(note or "")[:500]
        )
        if not changed:
            raise Conflict("flag_decided", _("This flag has already been decided."))
        audit_record(
            actor=by, action="account.flag_dismiss", obj=flag, city=flag.city, request=request, data={"note": note}
        )
    flag.refresh_from_db()
    return flag
