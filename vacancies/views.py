"""Pages for seats: the public registry and protocols, and the kindergarten staff's seat desk."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scoping import can_manage_kindergarten, managed_kindergarten_ids
from indigo import clock
from indigo.actions import perform_with_reason
from indigo.choices import GroupType, Language
from indigo.db_router import public_read
from indigo.errors import ServiceError
from indigo.inputs import query_int
from vacancies.access import Stage, stage_at
from vacancies.models import Group, Kindergarten, Protocol, Seat, SeatEvent
from vacancies.protocol import GENERAL_NEXT, SCHEDULE_CHANGE, SETTINGS_CHANGE, WINDOW_ALLOCATION, protocol_source_labels
from vacancies.selectors import RegistryFilters, city_default, registry_batches
from vacancies.services import group_free_places, seat_release, seat_withdraw

REGISTRY_PAGE_SIZE = 50
STAFF_VISIBLE_STATES = (Seat.State.RELEASED, Seat.State.OPEN, Seat.State.CLAIMED)


def _current_city():
    city = city_default()
    if city is None:
        raise Http404
    return city


def _int_param(request: HttpRequest, name: str) -> int | None:
    # A hand-edited query string must never cost a 500: a bad number is a 400 (indigo/inputs.py).
    return query_int(request.GET, name, minimum=0)


@public_read
def registry(request: HttpRequest) -> HttpResponse:
    city = _current_city()
    choice = request.GET.get
    filters = RegistryFilters(
        district_id=_int_param(request, "district"),
        kindergarten_id=_int_param(request, "kindergarten"),
        cohort=_int_param(request, "cohort"),
        language=choice("language") if choice("language") in Language.values else None,
        group_type=choice("group_type") if choice("group_type") in GroupType.values else None,
        stage=choice("stage") if choice("stage") in (Stage.PRIORITY, Stage.GENERAL, Stage.SCHEDULED) else None,
    )
    batches = registry_batches(city=city, filters=filters, at=clock.now())
    page = Paginator(batches, REGISTRY_PAGE_SIZE).get_page(choice("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "city": city,
        "page": page,
        "seat_total": batches.seat_count(),
        "filters": filters,
        "querystring": query.urlencode(),
        "districts": city.districts.all(),
        "cohorts": Group.objects.filter(kindergarten__city=city)
        .values_list("cohort", flat=True)
        .distinct()
        .order_by("-cohort"),
        "languages": Language.choices,
        "group_types": GroupType.choices,
        "stages": [(s.value, s.label) for s in (Stage.PRIORITY, Stage.GENERAL, Stage.SCHEDULED)],
    }
    return render(request, "vacancies/registry.html", context)


@public_read
def protocol_archive(request: HttpRequest) -> HttpResponse:
    city = _current_city()
    page = Paginator(Protocol.objects.filter(city=city).order_by("-day"), 60).get_page(request.GET.get("page"))
    return render(request, "vacancies/protocol_archive.html", {"city": city, "page": page})


@public_read
def protocol_detail(request: HttpRequest, day: str) -> HttpResponse:
    city = _current_city()
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    protocol = get_object_or_404(Protocol.objects.select_related("city"), city=city, day=parsed)
    labels = {
        **dict(SeatEvent.Kind.choices),
        GENERAL_NEXT: _("moves to general access tonight"),
        SCHEDULE_CHANGE: _("summer schedule changed"),
        SETTINGS_CHANGE: _("city rules changed"),
        WINDOW_ALLOCATION: _("claim window decided by the queue (bids and result in the download)"),
        **protocol_source_labels(),
    }
    language = get_language()
    rows = []
    for entry in protocol.entries.order_by("position"):
        payload = entry.payload
        kindergarten = payload.get("kindergarten") or {}
        rows.append(
            {
                "entry": entry,
                "label": _entry_label(labels, entry.kind, payload, language),
                "kindergarten": kindergarten.get(f"name_{language}") or kindergarten.get("name_ru", ""),
                "payload": payload,
                "language": Language(payload["language"]).label if payload.get("language") in Language.values else "",
                "priority_from": _parse_moment(payload.get("priority_from")),
                "general_from": _parse_moment(payload.get("general_from")),
            }
        )
    return render(request, "vacancies/protocol_detail.html", {"city": city, "protocol": protocol, "rows": rows})


def _entry_label(labels: dict, kind: str, payload: dict, language: str) -> str:
    label = labels.get(kind, kind)
    category = payload.get("category")
    # A privilege category's change names the category, which no column of the table shows.
    if isinstance(category, dict):
        return f"{label}: {category.get(f'name_{language}') or category.get('name_ru', '')}"
    return label


def _parse_moment(text: str | None):
    return dt.datetime.fromisoformat(text) if text else None


def _staff_kindergartens(user):
    ids = managed_kindergarten_ids(user)
    kindergartens = Kindergarten.objects.select_related("district", "city")
    return kindergartens if ids is None else kindergartens.filter(pk__in=ids)


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    kindergartens = _staff_kindergartens(request.user)
    if not kindergartens.exists():
        raise PermissionDenied
    if kindergartens.count() == 1:
        return redirect("staff-kindergarten", kindergarten_id=kindergartens.get().pk)
    return render(request, "vacancies/staff_home.html", {"city": city_default(), "kindergartens": kindergartens})


def _group_context(group: Group) -> dict:
    seats = (
        group.seats.filter(state__in=STAFF_VISIBLE_STATES)
        .prefetch_related(Prefetch("events", queryset=SeatEvent.objects.select_related("actor").order_by("at", "pk")))
        .order_by("pk")
    )
    now = clock.now()
    rows = [{"seat": seat, "stage": stage_at(seat, now)} for seat in seats]
    return {"group": group, "rows": rows, "free": group_free_places(group=group)}


@login_required
def staff_kindergarten(request: HttpRequest, kindergarten_id: int) -> HttpResponse:
    kindergarten = get_object_or_404(Kindergarten.objects.select_related("city", "district"), pk=kindergarten_id)
    if not can_manage_kindergarten(request.user, kindergarten):
        raise PermissionDenied
    groups = kindergarten.groups.filter(is_active=True).annotate(
        occupied=Count("seats", filter=Q(seats__state=Seat.State.OCCUPIED))
    )
    context = {
        "city": kindergarten.city,
        "kindergarten": kindergarten,
        "groups": [_group_context(group) for group in groups],
    }
    return render(request, "vacancies/staff_kindergarten.html", context)


def _group_response(request: HttpRequest, group: Group) -> HttpResponse:
    if request.htmx:
        return render(request, "vacancies/_staff_group.html", {"item": _group_context(group)})
    return redirect("staff-kindergarten", kindergarten_id=group.kindergarten_id)


@login_required
@require_POST
def staff_release(request: HttpRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(Group.objects.select_related("kindergarten__city"), pk=group_id)
    if not can_manage_kindergarten(request.user, group.kindergarten):
        raise PermissionDenied
    raw = request.POST.get("count", "").strip()
    try:
        count = int(raw)
    except ValueError:
        messages.error(request, _("Give the number of seats to release: a whole number from 1."))
        return _group_response(request, group)
    try:
        seats = seat_release(group=group, count=count, by=request.user, request=request)
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, _("%(count)s seat(s) released; the 18:00 protocol will publish them.") % {"count": len(seats)}
        )
    return _group_response(request, group)


@login_required
@require_POST
def staff_withdraw(request: HttpRequest, seat_id: int) -> HttpResponse:
    seat = get_object_or_404(Seat.objects.select_related("group__kindergarten__city"), pk=seat_id)
    if not can_manage_kindergarten(request.user, seat.group.kindergarten):
        raise PermissionDenied
    perform_with_reason(request, seat_withdraw, seat=seat, done=_("Seat %(seat)s withdrawn.") % {"seat": seat.pk})
    return _group_response(request, seat.group)
