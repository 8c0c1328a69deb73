"""Celery tasks that tell families what happened; thin, take ids, safe to run twice."""

from celery import shared_task
from django.utils import formats, translation
from django.utils.translation import gettext as _

from accounts.models import RepresentativeLink
from indigo import clock
from placement.models import Referral


def _representatives(child_id: int):
    return [
        link.user
        for link in RepresentativeLink.objects.filter(child_id=child_id, state=RepresentativeLink.State.VERIFIED)
        .select_related("user")
        .order_by("pk")
        if link.user.phone
    ]


def _send(child_id: int, render) -> int:
    from indigo.senders import send_sms

    sent = 0
    for user in _representatives(child_id):
        with translation.override(user.language or "kk"):
            send_sms(user.phone, render())
        sent += 1
    return sent


@shared_task(name="placement.tasks.notify_referral_issued")
def notify_referral_issued(referral_id: int) -> int:
    referral = Referral.objects.select_related("seat__group__kindergarten", "child").get(pk=referral_id)

    def render() -> str:
        return _("Indigo: referral %(number)s for %(child)s to %(kindergarten)s. Enrol by %(until)s.") % {
            "number": referral.number,
            "child": referral.child.first_name,
            "kindergarten": referral.seat.group.kindergarten.name,
            "until": formats.date_format(clock.local_date(referral.valid_until)),
        }

    return _send(referral.child_id, render)


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

    return _send(referral.child_id, render)
