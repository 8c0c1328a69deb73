"""The kindergarten's side of a referral: checking it by its code, the list of its referrals, a departure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.scoping import can_manage_kindergarten
from indigo import clock
from indigo.actions import perform_with_reason
from indigo.confirm import Confirmation, confirm_page, confirmed
from indigo.errors import ServiceError
from indigo.forms import date_parse
from placement.models import Referral
from placement.services import (
    referral_departure,
    referral_enrol,
    referral_extend,
    referral_refuse,
)
from placement.views.claims import refuse_confirmation
from vacancies.models import Kindergarten


def referral_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The page a referral's QR code opens. Anyone sees whether it is valid (initials only); the
    kindergarten's own staff also see the child and can enrol, record a refusal or extend it."""
    referral = get_object_or_404(
        Referral.objects.select_related("seat__group__kindergarten", "application__city", "child"), token=token
    )
    kindergarten = referral.seat.group.kindergarten
    is_staff = can_manage_kindergarten(request.user, kindergarten)
    if request.method == "POST":
        if not is_staff:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "enrol":
                referral_enrol(referral=referral, by=request.user, request=request)
                messages.success(request, _("Enrolment confirmed; the application is closed as placed."))
            elif action == "refuse":
                if not confirmed(request):
                    cancel_url = reverse("referral-verify", kwargs={"token": token})
                    confirmation = refuse_confirmation(request, referral, cancel_url=cancel_url, ask_reason=True)
                    confirmation.reason_from(request, "refusal")
                    return confirm_page(request, confirmation, city=kindergarten.city)
                referral_refuse(
                    referral=referral,
                    reason=request.POST.get("reason", ""),
                    note=request.POST.get("note", ""),
                    by=request.user,
                    request=request,
                )
                messages.success(request, _("Refusal recorded; the seat goes back to the next protocol."))
            elif action == "extend":
                until = date_parse(request.POST.get("until", ""))
                if until is None:
                    raise ValueError("not a date")
                referral_extend(referral=referral, until=until, by=request.user, request=request)
                messages.success(request, _("The referral is extended."))
        except ValueError:
            messages.error(request, _("Give the new last day as dd.mm.yyyy, e.g. 15.06.2024."))
        except ServiceError as error:
            messages.error(request, error.detail)
        return redirect("referral-verify", token=token)
    now = clock.now()
    context = {
        "referral": referral,
        "kindergarten": kindergarten,
        "is_staff": is_staff,
        "valid": referral.is_active_at(now),
        "last_day": referral.enrol_by,
    }
    return render(request, "placement/referral_verify.html", context)


@login_required
def staff_referrals(request: HttpRequest, kindergarten_id: int) -> HttpResponse:
    """The kindergarten's referrals: those awaiting enrolment and the children enrolled."""
    kindergarten = get_object_or_404(Kindergarten.objects.select_related("city"), pk=kindergarten_id)
    if not can_manage_kindergarten(request.user, kindergarten):
        raise PermissionDenied
    referrals = (
        Referral.objects.filter(
            seat__group__kindergarten=kindergarten, state__in=[Referral.State.ISSUED, Referral.State.ENROLLED]
        )
        .select_related("child", "application", "seat__group")
        .order_by("state", "seat__group__name", "child__last_name")
    )
    return render(
        request,
        "placement/staff_referrals.html",
        {"kindergarten": kindergarten, "city": kindergarten.city, "referrals": referrals},
    )


@login_required
def staff_departure(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = get_object_or_404(
        Referral.objects.select_related("seat__group__kindergarten__city", "child"), pk=referral_id
    )
    kindergarten = referral.seat.group.kindergarten
    if not can_manage_kindergarten(request.user, kindergarten):
        raise PermissionDenied
    if not confirmed(request):
        confirmation = Confirmation(
            title=_("Record the child's departure?"),
            facts=[
                (_("Child"), referral.child.full_name),
                (_("Group"), referral.seat.group.name),
                (_("Referral"), referral.number),
            ],
            consequences=[
                _("The child's enrolment ends and cannot be restored; the application stays closed."),
                _("The group gets a free place, which you can then release on the seat desk."),
            ],
            button=_("Yes, record the departure"),
            cancel_url=reverse("staff-referrals", kwargs={"kindergarten_id": kindergarten.pk}),
        ).reason_from(request, "departure")
        return confirm_page(request, confirmation, city=kindergarten.city)
    perform_with_reason(
        request, referral_departure, referral=referral, done=_("Departure recorded; the group has a place to release.")
    )
    return redirect("staff-referrals", kindergarten_id=kindergarten.pk)
