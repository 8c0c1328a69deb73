"""State against private kindergartens: places, and what happened to their seats in the period."""

from django.db.models import (
    Count,
    Q,
    Sum,
)
from django.utils.translation import gettext_lazy as _

from vacancies.models import City, Group, Kindergarten, SeatEvent
from vacancies.reports.base import Chart, Period, Report, city_events, share
from vacancies.reports.registry import report_listed


@report_listed(
    "ownership",
    _("State and private kindergartens"),
    _("Places and seat movements of state and private kindergartens."),
    order=50,
)
def report_ownership(*, city: City, period: Period) -> Report:
    """State against private kindergartens: places, and what happened to their seats in the period."""
    kindergartens = {
        row["ownership"]: row
        for row in Kindergarten.objects.filter(city=city, is_active=True)
        .values("ownership")
        .annotate(kindergartens=Count("pk"), state_order=Sum("state_order_places"))
        .order_by()
    }
    places = {
        row["kindergarten__ownership"]: row["places"]
        for row in Group.objects.filter(kindergarten__city=city, kindergarten__is_active=True, is_active=True)
        .values("kindergarten__ownership")
        .annotate(places=Sum("capacity"))
        .order_by()
    }
    events = {
        row["seat__group__kindergarten__ownership"]: row
        for row in city_events(city)
        .filter(at__gte=period.since, at__lt=period.until)
        .values("seat__group__kindergarten__ownership")
        .annotate(
            released=Count("pk", filter=Q(kind=SeatEvent.Kind.RELEASED)),
            claimed=Count("pk", filter=Q(kind=SeatEvent.Kind.CLAIMED)),
            priority=Count("pk", filter=Q(kind=SeatEvent.Kind.CLAIMED, data__stage="priority")),
            withdrawn=Count("pk", filter=Q(kind=SeatEvent.Kind.WITHDRAWN)),
        )
        .order_by()
    }
    rows = []
    for ownership, label in Kindergarten.Ownership.choices:
        k = kindergartens.get(ownership, {})
        e = events.get(ownership, {})
        rows.append(
            [
                str(label).capitalize(),
                k.get("kindergartens", 0),
                places.get(ownership, 0) or 0,
                k.get("state_order") or 0,
                e.get("released", 0),
                e.get("claimed", 0),
                e.get("withdrawn", 0),
                share(e.get("priority", 0), e.get("claimed", 0)),
            ]
        )
    chart = Chart(
        type="bar",
        labels=[row[0] for row in rows],
        datasets=[
            {"label": _("Released"), "data": [row[4] for row in rows]},
            {"label": _("Claimed"), "data": [row[5] for row in rows]},
            {"label": _("Withdrawn"), "data": [row[6] for row in rows]},
        ],
        y_title=_("Seats"),
    )
    return Report(
        slug="ownership",
        columns=[
            _("Ownership"),
            _("Kindergartens"),
            _("Places in groups"),
            _("State-order places"),
            _("Released"),
            _("Claimed"),
            _("Withdrawn"),
            _("Priority share, %"),
        ],
        rows=rows,
        chart=chart,
    )
