"""The family's cabinet (queue position, claiming, referrals) and the kindergarten's referral check."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.ratelimit import rate_limited
from accounts.scoping import can_manage_kindergarten
from indigo import clock
from indigo.choices import GroupType, Language
from indigo.confirm import Confirmation, confirm_page, confirmed
from indigo.errors import ServiceError
from indigo.forms import date_parse
from indigo.inputs import query_int, query_int_list
from placement.models import Application, Child, PrivilegeCategory, Referral
from placement.queue import position_report
from placement.selectors import children_of, claimable_seats
from placement.services import (
    referral_departure,
    referral_enrol,
    referral_extend,
    referral_refuse,
    seat_claim,
)
from placement.services.applications import application_file, application_withdraw
from placement.services.claims import CLAIM_RATE, claim_applications, referral_enrol_by
from vacancies.models import Kindergarten, Seat
from vacancies.selectors import city_default


def _my_child(user, child_id: int) -> Child:
    # Another family's child answers 404, so ids cannot be probed.
    for child in children_of(user):
        if child.pk == child_id:
            return child
    raise Http404


def _my_application(user, application_id: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("city", "child"), pk=application_id)
    _my_child(user, application.child_id)
    return application


def _my_referral(user, referral_id: int) -> Referral:
    referral = get_object_or_404(
        Referral.objects.select_related("seat__group__kindergarten__district", "application__city", "child"),
        pk=referral_id,
    )
    _my_child(user, referral.child_id)
    return referral


def _reason_texts(reasons: dict[str, int]) -> list[str]:
    labels = {
        "placed": lambda n: ngettext(
            "%(n)s child ahead received a referral", "%(n)s children ahead received a referral", n
        ),
        "removed": lambda n: ngettext("%(n)s child ahead left the queue", "%(n)s children ahead left the queue", n),
        "privilege_removed": lambda n: ngettext(
            "%(n)s child ahead lost a privilege", "%(n)s children ahead lost a privilege", n
        ),
        "new_extraordinary": lambda n: ngettext(
            "%(n)s new applicant with an extraordinary right", "%(n)s new applicants with an extraordinary right", n
        ),
        "new_privileged": lambda n: ngettext(
            "%(n)s new applicant with a first-priority right", "%(n)s new applicants with a first-priority right", n
        ),
        "privilege_granted": lambda n: ngettext(
            "%(n)s child was granted a privilege", "%(n)s children were granted a privilege", n
        ),
        "returned": lambda n: ngettext(
            "%(n)s child came back to the queue (a referral expired or was refused)",
            "%(n)s children came back to the queue (a referral expired or was refused)",
            n,
        ),
        "new_general": lambda n: ngettext(
            "%(n)s new applicant of the general list (the lists take turns)",
            "%(n)s new applicants of the general list (the lists take turns)",
            n,
        ),
        "order_behind": lambda n: ngettext(
            "%(n)s child of the other list now comes after yours: the lists take turns and yours moved up",
            "%(n)s children of the other list now come after yours: the lists take turns and yours moved up",
            n,
        ),
        "order_ahead": lambda n: ngettext(
            "%(n)s child of the other list now comes before yours: the lists take turns",
            "%(n)s children of the other list now come before yours: the lists take turns",
            n,
        ),
        "own_returned": lambda n: _("Your child's referral ended; the child is back in its place in the queue."),
        "own_privilege_granted": lambda n: _(
            "Your child's privilege now counts: the child moved to a list served earlier."
        ),
        "own_privilege_removed": lambda n: _(
            "Your child's privilege no longer counts: the child moved to a list served later."
        ),
    }
    # Only the reasons the report found: each names something that did happen (placement.queue.reasons_since).
    return [labels[code](n) % {"n": n} for code, n in sorted(reasons.items()) if code in labels]


@login_required
def cabinet(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    entries = []
    for child in children_of(request.user):
        applications = []
        for application in child.applications.all():
            if application.state != Application.State.ACTIVE:
                applications.append({"application": application})
                continue
            applications.append(
                {
                    "application": application,
                    "report": (report := position_report(application=application, at=now)),
                    "reasons": _reason_texts(report.reasons),
                    "claimable": claimable_seats(application=application, by=request.user, at=now, limit=30),
                    "stop_listed": application.stop_listed_until and application.stop_listed_until > now,
                }
            )
        referrals = child.referrals.filter(state__in=[Referral.State.ISSUED, Referral.State.ENROLLED]).select_related(
            "seat__group__kindergarten"
        )
        entries.append({"child": child, "applications": applications, "referrals": list(referrals)})
    return render(request, "placement/cabinet.html", {"entries": entries, "now": now, "city": city_default()})


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
    referral = _my_referral(request.user, referral_id)
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
    referral = _my_referral(request.user, referral_id)
    if not confirmed(request):
        confirmation = _refuse_confirmation(request, referral).reason_from(request, "refusal")
        return confirm_page(request, confirmation, city=referral.application.city)
    try:
        referral_refuse(
            referral=referral,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            by=request.user,
            request=request,
        )
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The referral is refused; the seat goes back to the queue."))
    return redirect("cabinet")


def _refuse_confirmation(
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


@login_required
def apply(request: HttpRequest, child_id: int) -> HttpResponse:
    child = _my_child(request.user, child_id)
    city = city_default()
    if city is None:
        raise Http404
    categories = PrivilegeCategory.objects.filter(city=city, is_active=True).order_by("tier", "code")
    kindergartens = Kindergarten.objects.filter(city=city, is_active=True).order_by("number", "name_ru")
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        desired = date_parse(form.get("desired_start", ""))
        if desired is None:
            messages.error(request, _("Give the desired start date as dd.mm.yyyy, e.g. 01.09.2025."))
        else:
            preferred_ids = query_int_list(request.POST, "preferred")
            category_id = query_int(form, "privilege")
            category = categories.filter(pk=category_id).first() if category_id else None
            try:
                application_file(
                    by=request.user,
                    child=child,
                    city=city,
                    language=form.get("language", ""),
                    group_type=form.get("group_type", ""),
                    desired_start=desired,
                    preferred_kindergartens=list(kindergartens.filter(pk__in=preferred_ids)),
                    privilege_category=category,
                    privilege_evidence=form.get("evidence", ""),
                    request=request,
                )
            except ServiceError as error:
                messages.error(request, error.detail)
            else:
                messages.success(request, _("The application is filed; the child is in the queue."))
                return redirect("cabinet")
    context = {
        "child": child,
        "city": city,
        "categories": categories,
        "kindergartens": kindergartens,
        "form": form,
        "languages": Language.choices,
        "group_types": GroupType.choices,
        "selected": query_int_list(request.POST, "preferred"),
    }
    return render(request, "placement/apply.html", context)


@login_required
def withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _my_application(request.user, application_id)
    if not confirmed(request):
        confirmation = Confirmation(
            title=_("Withdraw the application?"),
            facts=[
                (_("Child"), application.child.full_name),
                (_("Application"), application.reference),
                (_("Filed"), date_format(clock.local_date(application.filed_at))),
            ],
            consequences=[
                _("The child leaves the queue and loses its place."),
                _("A new application later starts at the end of the queue, from the day it is filed."),
                _("Seats open now can no longer be claimed for this child."),
            ],
            button=_("Yes, withdraw the application"),
            cancel_url=reverse("cabinet"),
        )
        return confirm_page(request, confirmation, city=application.city)
    try:
        application_withdraw(application=application, by=request.user, request=request)
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The application is withdrawn from the queue."))
    return redirect("cabinet")


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
                    confirmation = _refuse_confirmation(request, referral, cancel_url=cancel_url, ask_reason=True)
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
    try:
        referral_departure(
            referral=referral,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            by=request.user,
            request=request,
        )
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Departure recorded; the group has a place to release."))
    return redirect("staff-referrals", kindergarten_id=kindergarten.pk)
