"""Wait alerts (issue 16, item 4): a parent opts in, the 18:00 job tells them once per occasion."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import RepresentativeLink
from indigo import clock, senders
from indigo.errors import ServiceError
from placement.models import Application, WaitAlert, WaitAlertNotice
from placement.queue import Scope, queue_position
from placement.wait import Status, wait_estimate
from vacancies.models import City, Kindergarten, Protocol, SeatEvent

# A move of the expected date by more than this is worth a message.
MOVE_THRESHOLD = dt.timedelta(days=7)


def wait_alert_set(
    *,
    application: Application,
    user,
    by_sms: bool,
    by_email: bool,
    on_estimate: bool,
    kindergarten_ids: list[int],
    expected: dt.date | None = None,
) -> WaitAlert:
    """Save the parent's choice; `expected` is the date the parent sees now (the baseline of moves)."""
    if by_sms and not user.phone:
        raise ServiceError("no_phone", gettext_lazy("Add a phone number to your account to get SMS."))
    if by_email and not user.email:
        raise ServiceError("no_email", gettext_lazy("Add an e-mail address to your account to get e-mails."))
    kindergartens = list(Kindergarten.objects.filter(pk__in=kindergarten_ids, city_id=application.city_id))
    if len(kindergartens) != len(set(kindergarten_ids)):
        raise ServiceError("unknown_kindergarten", gettext_lazy("Choose kindergartens of the child's city."))
    with transaction.atomic():
        alert, _created = WaitAlert.objects.select_for_update().get_or_create(
            application=application, user=user, defaults={"updated_at": clock.now()}
        )
        alert.by_sms, alert.by_email, alert.on_estimate = by_sms, by_email, on_estimate
        if on_estimate and alert.told_expected is None:
            alert.told_expected = expected
        alert.updated_at = clock.now()
        alert.save()
        alert.kindergartens.set(kindergartens)
    return alert


def _send(alert: WaitAlert, key: str, render) -> bool:
    """Record the occasion, then queue the messages in the same transaction: a retried or parallel run
    finds the record and sends nothing (at most one message per occasion)."""
    user = alert.user
    with translation.override(user.language or "kk"):
        text = str(render())
    try:
        with transaction.atomic():
            WaitAlertNotice.objects.create(alert=alert, key=key, sent_at=clock.now(), text=text[:400])
            if alert.by_sms and user.phone:
                senders.sms_later(user.phone, text)
            if alert.by_email and user.email:
                with translation.override(user.language or "kk"):
                    subject = _("Indigo: your child's place in the queue")
                senders.email_later(user.email, subject, text)
    except IntegrityError:
        return False
    return True


def _still_linked(alert: WaitAlert) -> bool:
    return RepresentativeLink.objects.filter(
        user_id=alert.user_id, child_id=alert.application.child_id, state=RepresentativeLink.State.VERIFIED
    ).exists()


def wait_alerts_notify(*, city: City, at: dt.datetime) -> int:
    """After the protocol published by `at`: tell every opted-in parent whose child's expected date
    moved by more than a week, or whose followed kindergarten published a seat in the child's market."""
    protocol = Protocol.objects.filter(city=city, cutoff__lte=at).order_by("-cutoff").first()
    if protocol is None:
        return 0
    alerts = (
        WaitAlert.objects.filter(application__city=city, application__state=Application.State.ACTIVE)
        .filter(_switched_on())
        .distinct()
        .select_related("application__city", "application__child", "user")
        .prefetch_related("kindergartens")
        .order_by("pk")
    )
    published = _published_in(protocol)
    sent = 0
    for alert in alerts:
        if not _still_linked(alert):
            continue
        if alert.on_estimate:
            sent += _estimate_moved(alert, protocol)
        followed = {k.pk: k for k in alert.kindergartens.all()}
        if followed:
            sent += _seats_published(alert, protocol, published, followed)
    return sent


def _switched_on() -> Q:
    return (Q(by_sms=True) | Q(by_email=True)) & (Q(on_estimate=True) | Q(kindergartens__isnull=False))


def _estimate_moved(alert: WaitAlert, protocol: Protocol) -> int:
    application = alert.application
    position = queue_position(application=application, scope=Scope.WAITING, at=protocol.cutoff)
    estimate = wait_estimate(application=application, position=position, at=protocol.cutoff)
    if estimate is None or estimate.status != Status.ESTIMATED:
        return 0
    before = alert.told_expected
    if before is None:
        WaitAlert.objects.filter(pk=alert.pk, told_expected__isnull=True).update(told_expected=estimate.expected)
        return 0
    if abs(estimate.expected - before) <= MOVE_THRESHOLD:
        return 0

    def render():
        later = estimate.expected > before
        text = (
            _("Indigo: %(child)s's turn is now expected later, around %(day)s (was %(before)s).")
            if later
            else _("Indigo: %(child)s's turn is now expected sooner, around %(day)s (was %(before)s).")
        )
        return text % {
            "child": application.child.first_name,
            "day": formats.date_format(estimate.expected),
            "before": formats.date_format(before),
        }

    if not _send(alert, f"estimate:{protocol.day.isoformat()}", render):
        return 0
    WaitAlert.objects.filter(pk=alert.pk).update(told_expected=estimate.expected)
    return 1


def _published_in(protocol: Protocol) -> dict[tuple, set[int]]:
    """Kindergartens that published seats in this protocol, per market."""
    found: dict[tuple, set[int]] = {}
    for payload in protocol.entries.filter(kind=SeatEvent.Kind.PUBLISHED).values_list("payload", flat=True):
        kindergarten = (payload.get("kindergarten") or {}).get("id")
        if kindergarten is None:
            continue
        market = (payload.get("cohort"), payload.get("language"), payload.get("group_type"))
        found.setdefault(market, set()).add(kindergarten)
    return found


def _seats_published(alert: WaitAlert, protocol: Protocol, published: dict, followed: dict) -> int:
    application = alert.application
    market = (application.cohort, application.language, application.group_type)
    hits = sorted(published.get(market, set()) & set(followed))
    if not hits:
        return 0

    def render():
        return _("Indigo: new seats for %(child)s's group in the protocol of %(day)s: %(kindergartens)s.") % {
            "child": application.child.first_name,
            "day": formats.date_format(protocol.day),
            "kindergartens": ", ".join(followed[pk].name for pk in hits),
        }

    return int(_send(alert, f"seats:{protocol.day.isoformat()}", render))
