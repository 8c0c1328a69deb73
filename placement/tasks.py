"""Celery tasks that tell families what happened; thin, take ids, safe to run twice."""

import datetime as dt

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from accounts.models import RepresentativeLink
from indigo import clock
from indigo.senders import send_sms
from placement.models import Application, Referral, ReferralNotice, TurnNotice
from placement.queue.eligibility import priority_seat_count, ranked_eligible
from placement.queue.order import Market
from vacancies.models import City, Seat


def _representatives(child_id: int):
    return [
        link.user
        for link in RepresentativeLink.objects.filter(child_id=child_id, state=RepresentativeLink.State.VERIFIED)
        .select_related("user")
        .order_by("pk")
        if link.user.phone
    ]


def _send(child_id: int, render) -> int:
    sent = 0
    for user in _representatives(child_id):
        with translation.override(user.language or "kk"):
            send_sms(user.phone, render())
        sent += 1
    return sent


def _send_once(referral: Referral, kind: str, render) -> int:
    """Send a referral's message of this kind unless it was sent: the notice row and the sending in
    one transaction, so a run that fails to send leaves no row (a retry sends), and a second run
    waits for the first's row and sends nothing."""
    try:
        with transaction.atomic():
            ReferralNotice.objects.create(referral=referral, kind=kind, sent_at=clock.now())
            return _send(referral.child_id, render)
    except IntegrityError:
        return 0


@shared_task(name="placement.tasks.notify_referral_issued")
def notify_referral_issued(referral_id: int) -> int:
    referral = Referral.objects.select_related("seat__group__kindergarten", "child").get(pk=referral_id)
    return _referral_issued_send(referral)


@shared_task(name="placement.tasks.notify_referrals_issued")
def notify_referrals_issued(referral_ids: list[int]) -> int:
    """The referral notices of these referrals, each sent once (a retry after a failure half-way sends
    only what was not sent, as _send_once records each). Kept for messages queued before allocations
    sent notify_referrals_untold instead."""
    referrals = Referral.objects.select_related("seat__group__kindergarten", "child").filter(pk__in=referral_ids)
    return sum(_referral_issued_send(referral) for referral in referrals.order_by("pk"))


# How far back the untold referrals are looked for: the task runs every minute, so a day is plenty.
UNTOLD_SINCE = dt.timedelta(days=1)


@shared_task(name="placement.tasks.notify_referrals_untold")
def notify_referrals_untold(since: str | None = None) -> int:
    """Every referral issued since `since` (ISO; default a day ago) and still active whose family was
    not told: the claims of the moment and a window's allocation (placement/notifications.py), and any
    a dead server never scheduled."""
    start = dt.datetime.fromisoformat(since) if since else clock.now() - UNTOLD_SINCE
    untold = Referral.objects.filter(state=Referral.State.ISSUED, issued_at__gte=start).exclude(
        notices__kind=ReferralNotice.Kind.ISSUED
    )
    referrals = untold.select_related("seat__group__kindergarten", "child").order_by("pk")
    return sum(_referral_issued_send(referral) for referral in referrals)


def _referral_issued_send(referral: Referral) -> int:
    def render() -> str:
        return _("Indigo: referral %(number)s for %(child)s to %(kindergarten)s. Enrol by %(until)s.") % {
            "number": referral.number,
            "child": referral.child.first_name,
            "kindergarten": referral.seat.group.kindergarten.name,
            "until": formats.date_format(clock.local_date(referral.valid_until)),
        }

    return _send_once(referral, ReferralNotice.Kind.ISSUED, render)


@shared_task(name="placement.tasks.notify_referral_expired")
def notify_referral_expired(referral_id: int) -> int:
    referral = Referral.objects.select_related("child", "application").get(pk=referral_id)

    def render() -> str:
        return _("Indigo: referral %(number)s expired; the seat went back to the queue. Stop-list until %(until)s.") % {
            "number": referral.number,
            "until": formats.date_format(clock.local_date(referral.application.stop_listed_until))
            if referral.application.stop_listed_until
            else "—",
        }

    return _send_once(referral, ReferralNotice.Kind.EXPIRED, render)


@shared_task(name="placement.tasks.notify_referrals_expiring")
def notify_referrals_expiring(at: str | None = None) -> int:
    """Remind families whose referral ends within a day; the compare-and-set claims each one once."""
    now = dt.datetime.fromisoformat(at) if at else clock.now()
    due = list(
        Referral.objects.filter(
            state=Referral.State.ISSUED,
            reminded_at__isnull=True,
            valid_until__gt=now,
            valid_until__lte=now + dt.timedelta(days=1),
        ).values_list("pk", flat=True)
    )
    sent = 0
    for pk in due:
        if not Referral.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
            continue  # another run took it
        referral = Referral.objects.select_related("seat__group__kindergarten").get(pk=pk)

        def render(referral=referral) -> str:
            return _("Indigo: referral %(number)s ends %(until)s. Enrol at %(kindergarten)s or the seat goes back.") % {
                "number": referral.number,
                "until": formats.date_format(referral.enrol_by),
                "kindergarten": referral.seat.group.kindergarten.name,
            }

        sent += _send(referral.child_id, render)
    return sent


@shared_task(name="placement.tasks.notify_turns")
def notify_turns(at: str | None = None) -> int:
    """Tell the families whose turn has come for seats now in priority access (once a day each)."""
    now = dt.datetime.fromisoformat(at) if at else clock.now()
    today = clock.local_date(now)
    markets = (
        Seat.objects.filter(state=Seat.State.OPEN, priority_from__lte=now, general_from__gt=now)
        .values_list("group__kindergarten__city", "group__cohort", "group__language", "group__group_type")
        .distinct()
    )
    cities = {city.pk: city for city in City.objects.all()}
    sent = 0
    for row in markets:
        # Who may claim now is R-S-6's to say (placement/queue/eligibility.py), pause and pool factor included.
        market, city = Market(*row), cities[row[0]]
        allowed = priority_seat_count(market, at=now, city=city)
        if not allowed:
            continue
        ids = [pk for pk, _rank in ranked_eligible(market, at=now, city=city, limit=allowed)]
        already = set(
            TurnNotice.objects.filter(application_id__in=ids, day=today).values_list("application_id", flat=True)
        )
        for application in Application.objects.filter(pk__in=set(ids) - already).select_related("child"):
            try:
                with transaction.atomic():
                    TurnNotice.objects.create(application=application, day=today, sent_at=now)
            except IntegrityError:
                continue  # a parallel run sent it

            def render(application=application) -> str:
                return _(
                    "Indigo: %(child)s's turn has come: seats are open in priority access. Claim in the cabinet."
                ) % {
                    "child": application.child.first_name,
                }

            sent += _send(application.child_id, render)
    return sent


@shared_task(name="placement.tasks.prepare_positions")
def prepare_positions(city_id: int, cutoff: str) -> int:
    """After a protocol: rank every market at its cutoff into the cache, so the first parent of each
    market to look at the position does not wait for it (placement/queue/positions.py). Queued by the
    18:00 job a little after the cutoff; on SQLite (the demo) positions are ranked per request."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    from placement.queue.positions import position_queues_prepare

    city = City.objects.get(pk=city_id)
    return position_queues_prepare(city=city, cutoff=dt.datetime.fromisoformat(cutoff))


@shared_task(name="placement.tasks.refresh_waits")
def refresh_waits(city_id: int, cutoff: str) -> int:
    """After a protocol (issue 16): every market's expected-wait history and the kindergartens' release
    figures into the cache, then the parents' wait alerts. Safe to run twice: each alert occasion is
    recorded once (WaitAlertNotice) before its message is queued."""
    from placement.services.wait_alerts import wait_alerts_notify
    from placement.wait import wait_histories_refresh
    from vacancies.release_stats import release_stats

    city = City.objects.get(pk=city_id)
    at = dt.datetime.fromisoformat(cutoff)
    markets = wait_histories_refresh(city=city, at=at)
    release_stats(city=city, at=at)
    wait_alerts_notify(city=city, at=at)
    return markets


@shared_task(name="placement.tasks.close_days")
def close_days(at: str | None = None) -> dict:
    """The 18:00 job: every city's day close (placement/day_close.py), missed days included."""
    from placement.day_close import days_close_everywhere

    return days_close_everywhere(until=dt.datetime.fromisoformat(at) if at else clock.now())


# The job's name before the day close moved up from vacancies (issue 13). A beat started from the old
# settings, or a message it queued before a deploy, still sends this name; kept so that 18:00 is not
# lost as an unregistered task. Nothing in this code sends it any more.
@shared_task(name="vacancies.tasks.publish_protocols")
def publish_protocols(at: str | None = None) -> dict:
    return close_days(at)


# The claim window's tasks live with its code; importing them here registers them with Celery.
from placement.window.tasks import allocate_due_windows, notify_window_unplaced  # noqa: E402, F401
