"""Claiming a seat and the referral it gives: the confirmation, the referral page with its QR code, refusing it."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.ratelimit import rate_limited
from indigo import clock
from indigo.actions import perform_with_reason
from indigo.confirm import Confirmation, confirm_page, confirmed
from indigo.errors import ServiceError
from placement.models import Application, Referral
from placement.services import (
    referral_refuse,
    seat_claim,
)
from placement.services.claim_reads import claim_applications
from placement.services.claims import CLAIM_RATE, referral_enrol_by
from placement.views.family import my_referral
from vacancies.models import Seat


@login_required
@rate_limited("claim", CLAIM_RATE)
def claim(request: HttpRequest, application_id: int, seat_id: int) -> HttpResponse:
    applications = [a for a in claim_applications([application_id], request.user) if a.claimant_verified]
    if not applications:
        raise Http404
    if not confirmed(request):
        seat = get_object_or_404(Seat.objects.select_related("group__kindergarten__district"), pk=seat_id)
        return confirm_page(request, _claim_confirmation(applications[0], seat), city=applications[0].city)
    try:
        referral = seat_claim(seat=Seat(pk=seat_id), application=applications[0], by=request.user, request=request)
    except ServiceError as error:
        messages.error(request, error.detail)
        return redirect("cabinet")
    messages.success(request, _("Referral %(number)s issued.") % {"number": referral.number})
    return redirect("referral", referral_id=referral.pk)


def _claim_confirmation(application: Application, seat: Seat) -> Confirmation:
    city = application.city
    group = seat.group
    kindergarten = group.kindergarten
    enrol_by = referral_enrol_by(city=city, at=clock.now())
    place = f"{kindergarten.name}, {group.name}"
    return Confirmation(
        title=_("Claim this seat?"),
        facts=[
            (_("Child"), application.child.full_name),
            (_("Kindergarten"), kindergarten.name),
            (_("Group"), group.name),
            (_("Application"), application.reference),
        ],
        consequences=[
            _("The child gets a referral to %(place)s at once.") % {"place": place},
            ngettext(
                "The referral is valid %(n)s working day: enrol the child at the kindergarten by %(day)s.",
                "The referral is valid %(n)s working days: enrol the child at the kindergarten by %(day)s.",
                city.referral_valid_working_days,
            )
            % {"n": city.referral_valid_working_days, "day": date_format(enrol_by)},
            _("While the referral is active you cannot claim another seat for this child."),
            ngettext(
                "If the child is not enrolled in time or you refuse, the seat goes back and the child cannot "
                "claim for %(n)s day; then it keeps its old place in the queue.",
                "If the child is not enrolled in time or you refuse, the seat goes back and the child cannot "
                "claim for %(n)s days; then it keeps its old place in the queue.",
                city.stop_list_days,
            )
            % {"n": city.stop_list_days},
        ],
        button=_("Yes, claim the seat"),
        cancel_url=reverse("cabinet"),
        danger=False,
    )


def _qr_svg(url: str) -> str:
    # segno writes a self-contained SVG from the URL alone; nothing user-typed reaches it unescaped.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, dark="#1c2030"))  # noqa: S308


@login_required
def referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = my_referral(request.user, referral_id)
    verify_url = request.build_absolute_uri(reverse("referral-verify", kwargs={"token": referral.token}))
    return render(
        request,
        "placement/referral.html",
        {
            "referral": referral,
            "verify_url": verify_url,
            "qr": _qr_svg(verify_url),
            "last_day": referral.enrol_by,
        },
    )


@login_required
def referral_refuse_by_parent(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = my_referral(request.user, referral_id)
    if not confirmed(request):
        confirmation = refuse_confirmation(request, referral).reason_from(request, "refusal")
        return confirm_page(request, confirmation, city=referral.application.city)
    perform_with_reason(
        request, referral_refuse, referral=referral, done=_("The referral is refused; the seat goes back to the queue.")
    )
    return redirect("cabinet")


def refuse_confirmation(
    request: HttpRequest, referral: Referral, *, cancel_url: str = "", ask_reason: bool = False
) -> Confirmation:
    city = referral.application.city
    kindergarten = referral.seat.group.kindergarten
    return Confirmation(
        title=_("Refuse this referral?"),
        facts=[
            (_("Referral"), referral.number),
            (_("Child"), referral.child.full_name),
            (_("Kindergarten"), kindergarten.name),
            (_("Group"), referral.seat.group.name),
        ],
        consequences=[
            _("The referral ends now and cannot be restored; the seat goes back to the next protocol."),
            ngettext(
                "The child cannot claim a seat for %(n)s day (the stop-list).",
                "The child cannot claim a seat for %(n)s days (the stop-list).",
                city.stop_list_days,
            )
            % {"n": city.stop_list_days},
            _("After that the child keeps its old place in the queue."),
        ],
        button=_("Yes, refuse the referral"),
        cancel_url=cancel_url or reverse("referral", kwargs={"referral_id": referral.pk}),
        hidden={"action": "refuse"} if ask_reason else {},
    )
