"""The family's cabinet: each child's applications with the queue position and why it moved, filing and withdrawing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indigo import clock
from indigo.choices import GroupType, Language
from indigo.confirm import Confirmation, confirm_page, confirmed
from indigo.errors import ServiceError
from indigo.forms import date_parse
from indigo.inputs import query_int, query_int_list
from placement.models import Application, PrivilegeCategory, Referral
from placement.queue import position_report
from placement.scoping import children_of
from placement.selectors import claimable_seats
from placement.services.applications import application_file, application_withdraw
from placement.views.family import my_application, my_child
from placement.window.selectors import open_windows_of, window_results
from vacancies.models import Kindergarten
from vacancies.selectors import city_default


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
    children = children_of(request.user).prefetch_related("applications__city", "applications__privileges__category")
    for child in children:
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
                    "windows": open_windows_of(application=application, at=now),
                    "window_results": window_results(application=application, at=now),
                    "stop_listed": application.stop_listed_until and application.stop_listed_until > now,
                }
            )
        referrals = child.referrals.filter(state__in=[Referral.State.ISSUED, Referral.State.ENROLLED]).select_related(
            "seat__group__kindergarten"
        )
        entries.append({"child": child, "applications": applications, "referrals": list(referrals)})
    return render(request, "placement/cabinet.html", {"entries": entries, "now": now, "city": city_default()})


@login_required
def apply(request: HttpRequest, child_id: int) -> HttpResponse:
    child = my_child(request.user, child_id)
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
    application = my_application(request.user, application_id)
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
