"""Seats per day: released, claimed, withdrawn and whose referral expired."""

from collections import defaultdict

from django.db.models import (
    Count,
)
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from vacancies.models import City, SeatEvent
from vacancies.reports.base import ASTANA, Chart, Period, Report, city_events
from vacancies.reports.registry import report_listed

FLOW_KINDS = (SeatEvent.Kind.RELEASED, SeatEvent.Kind.CLAIMED, SeatEvent.Kind.WITHDRAWN, SeatEvent.Kind.EXPIRED)


@report_listed(
    "seats",
    _("Seats per day"),
    _("Seats released, claimed, withdrawn and whose referral expired, day by day."),
    order=20,
)
def report_seat_flow(*, city: City, period: Period) -> Report:
    """Seats released, claimed, withdrawn and whose referral expired, per local day."""
    counts = (
        city_events(city)
        .filter(at__gte=period.since, at__lt=period.until, kind__in=FLOW_KINDS)
        .annotate(day=TruncDate("at", tzinfo=ASTANA))
        .values("day", "kind")
        .annotate(seats=Count("pk"))
        .order_by()
    )
    table = defaultdict(lambda: dict.fromkeys(FLOW_KINDS, 0))
    for row in counts:
        table[row["day"]][row["kind"]] = row["seats"]
    days = period.days()
    rows = [[day, *(table[day][kind] for kind in FLOW_KINDS)] for day in days]
    labels = {kind: SeatEvent.Kind(kind).label for kind in FLOW_KINDS}
    chart = Chart(
        type="bar",
        labels=[day.strftime("%d.%m") for day in days],
        datasets=[
            {"label": labels[kind], "data": [row[index + 1] for row in rows]} for index, kind in enumerate(FLOW_KINDS)
        ],
        x_title=_("Day"),
        y_title=_("Seats"),
    )
    totals = [sum(row[index + 1] for row in rows) for index in range(len(FLOW_KINDS))]
    return Report(
        slug="seats",
        columns=[_("Day"), _("Released"), _("Claimed"), _("Withdrawn"), _("Referral expired")],
        rows=rows,
        chart=chart,
        summary=[(labels[kind], total) for kind, total in zip(FLOW_KINDS, totals, strict=True)],
    )
