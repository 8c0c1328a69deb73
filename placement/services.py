"""Writes on applications and referrals.

The claim itself arrives with the queue issue; here is the referral's end of life that the
18:00 job needs: expiry returns the seat to the next protocol and stop-lists the child (R-S-8).
"""

import datetime as dt

from django.db import transaction

from placement.models import Application, Referral
from vacancies.models import City, Seat, SeatEvent
from vacancies.services import seats_return


def referral_public_facts(referral: Referral) -> dict:
    """What a protocol may say about a referral: its application reference and initials (R-P-4)."""
    return {
        "application": referral.application.reference,
        "child": referral.child.initials,
        "referral": referral.number,
    }


def referrals_expire_due(*, city: City, until: dt.datetime) -> int:
    """Expire every issued referral of the city whose validity ended by `until`, in a fixed number of queries."""
    with transaction.atomic():
        due = list(
            Referral.objects.select_for_update(of=("self",))
            .filter(application__city=city, state=Referral.State.ISSUED, valid_until__lte=until)
            .select_related("application", "child")
            .order_by("seat_id")
        )
        if not due:
            return 0
        # Lock the seats in pk order, like a claim does, before giving them back.
        list(Seat.objects.select_for_update().filter(pk__in=[r.seat_id for r in due]).order_by("pk").values("pk"))
        stop_days = dt.timedelta(days=city.stop_list_days)
        returns, applications, events = [], [], []
        for referral in due:
            ended = referral.valid_until
            referral.state = Referral.State.EXPIRED
            referral.closed_at = ended
            referral.close_reason = "expired"
            returns.append((referral.seat_id, ended))
            application = referral.application
            application.stop_listed_until = ended + stop_days
            applications.append(application)
            facts = referral_public_facts(referral)
            events.append(SeatEvent(seat_id=referral.seat_id, kind=SeatEvent.Kind.EXPIRED, at=ended, data=facts))
        Referral.objects.bulk_update(due, ["state", "closed_at", "close_reason"], batch_size=2000)
        Application.objects.bulk_update(applications, ["stop_listed_until"], batch_size=2000)
        SeatEvent.objects.bulk_create(events, batch_size=2000)
        seats_return(returns=returns, reason="referral expired")
    return len(due)
