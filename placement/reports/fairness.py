"""Fairness: for each protocol, seats that reached general access while children whose turn had come waited."""

import dataclasses
import datetime as dt
import math

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from indigo import clock
from placement.envy import envy_by_day
from placement.models import Application, Referral
from vacancies.models import City, Protocol, Seat, SeatEvent
from vacancies.reports.base import Chart, Period, Report, city_events, kindergarten_name, language_label
from vacancies.reports.registry import report_listed


@dataclasses.dataclass
class FairnessDay:
    protocol_day: dt.date
    moved: int = 0
    with_waiting: int = 0
    taken: int = 0
    rows: list = dataclasses.field(default_factory=list)


@report_listed(
    "fairness",
    _("Fairness"),
    _("For each protocol: seats that reached general access while children whose turn had come waited."),
    order=60,
)
def report_fairness(*, city: City, period: Period) -> Report:
    """For each protocol: seats that reached general access while children whose turn had come still waited.

    A child's turn had come if, at that moment, the child was waiting in the seat's queue (cohort,
    language, group type), had no live referral, and ranked within the seats then in priority access
    times the pool factor — so the count is min(waiting, priority seats x pool factor). Who took the
    seat afterwards is shown masked: initials and application reference.
    """
    protocols = list(
        Protocol.objects.filter(city=city, day__gte=period.start, day__lte=period.end)
        .order_by("cutoff")
        .values("day", "cutoff", "previous_cutoff")
    )
    days = {protocol["day"]: FairnessDay(protocol["day"]) for protocol in protocols}
    if protocols:
        _fill_fairness(city, protocols, days)
    envy = envy_by_day(city=city, start=period.start, end=period.end)
    rows, chart_days = [], list(days.values())
    for day in chart_days:
        rows.extend([day.protocol_day, *row] for row in day.rows)
    chart = Chart(
        type="bar",
        labels=[day.protocol_day.strftime("%d.%m") for day in chart_days],
        datasets=[
            {"label": _("Moved to general access"), "data": [day.moved for day in chart_days]},
            {
                "label": _("…while children whose turn had come waited"),
                "data": [day.with_waiting for day in chart_days],
            },
            {"label": _("…and then taken in general access"), "data": [day.taken for day in chart_days]},
        ],
        x_title=_("Protocol"),
        y_title=_("Seats"),
    )
    return Report(
        slug="fairness",
        label_columns=frozenset(range(7)) | {9, 10, 11},
        columns=[
            _("Protocol"),
            _("Seat"),
            _("Kindergarten"),
            _("Group"),
            _("Birth year"),
            _("Language"),
            _("General access from"),
            _("Children waiting"),
            _("Children whose turn had come"),
            _("Taken by"),
            _("Application"),
            _("Taken at"),
            _("Queue position at claim"),
        ],
        rows=rows,
        chart=chart,
        summary=[
            (_("Seats moved to general access"), sum(day.moved for day in chart_days)),
            (_("…while children whose turn had come waited"), sum(day.with_waiting for day in chart_days)),
            (_("…and then taken in general access"), sum(day.taken for day in chart_days)),
            *_envy_summary(envy),
        ],
        detail=chart_days,
        envy=envy,
    )


def _market_key(row: dict) -> tuple:
    return (row["at"], row["seat__group__cohort"], row["seat__group__language"], row["seat__group__group_type"])


def _envy_summary(envy: list) -> list[tuple]:
    labels = {
        "first_come": pgettext_lazy("envy", "Seats over a better-ranked child, first come"),
        "window": pgettext_lazy("envy", "Seats over a better-ranked child, claim window"),
    }
    rows = []
    for mode, label in labels.items():
        days = [getattr(day, mode) for day in envy if getattr(day, mode) is not None]
        if days:
            rows.append((label, sum(day.seats_over for day in days)))
    return rows


def _fill_fairness(city: City, protocols: list[dict], days: dict) -> None:
    first_after = protocols[0]["previous_cutoff"] or (protocols[0]["cutoff"] - dt.timedelta(days=1))
    market = {
        "cohort": OuterRef("seat__group__cohort"),
        "language": OuterRef("seat__group__language"),
        "group_type": OuterRef("seat__group__group_type"),
    }
    live_referral = Referral.objects.filter(application=OuterRef("pk"), issued_at__lte=OuterRef(OuterRef("at"))).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=OuterRef(OuterRef("at")))
    )
    waiting = (
        Application.objects.filter(city=city, filed_at__lte=OuterRef("at"), **market)
        .filter(Q(state=Application.State.ACTIVE) | Q(closed_at__gt=OuterRef("at")))
        .filter(~Exists(live_referral))
        .order_by()
        .values("city")
        .annotate(n=Count("pk"))
        .values("n")
    )
    in_priority = (
        Seat.objects.filter(
            group__kindergarten__city=city,
            group__cohort=OuterRef("seat__group__cohort"),
            group__language=OuterRef("seat__group__language"),
            group__group_type=OuterRef("seat__group__group_type"),
            priority_from__lte=OuterRef("at"),
            general_from__gte=OuterRef("at"),
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__gt=OuterRef("at")))
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=OuterRef("at")))
        .order_by()
        .values("group__kindergarten__city")
        .annotate(n=Count("pk"))
        .values("n")
    )
    moved = city_events(city).filter(
        kind=SeatEvent.Kind.GENERAL_ACCESS, at__gt=first_after, at__lte=protocols[-1]["cutoff"]
    )
    claim = SeatEvent.objects.filter(
        seat=OuterRef("seat"), kind=SeatEvent.Kind.CLAIMED, at__gte=OuterRef("at"), data__stage="general"
    ).order_by("at", "pk")
    moves = list(
        moved.annotate(
            claim_at=Subquery(claim.values("at")[:1], output_field=DateTimeField()),
            claim_data=Subquery(claim.values("data")[:1], output_field=JSONField()),
        )
        .values(
            "pk",
            "seat_id",
            "at",
            "claim_at",
            "claim_data",
            "seat__group__name",
            "seat__group__cohort",
            "seat__group__language",
            "seat__group__group_type",
            "seat__group__kindergarten__name_kk",
            "seat__group__kindergarten__name_ru",
            "seat__group__kindergarten__name_en",
        )
        .order_by("at", "seat_id")
    )
    # Seats of one queue reach general access together (00:00 of a working day): count the waiting
    # children once per queue and moment, on one event standing for the others.
    representatives = {}
    for move in moves:
        representatives.setdefault(_market_key(move), move["pk"])
    queues = {
        _market_key(row): row
        for row in SeatEvent.objects.filter(pk__in=list(representatives.values()))
        .annotate(
            waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0)),
            in_priority=Coalesce(Subquery(in_priority, output_field=IntegerField()), Value(0)),
        )
        .values(
            "at", "seat__group__cohort", "seat__group__language", "seat__group__group_type", "waiting", "in_priority"
        )
        .order_by()
    }
    factor = float(city.priority_pool_factor)
    index = 0
    for move in moves:
        while index < len(protocols) and move["at"] > protocols[index]["cutoff"]:
            index += 1
        if index == len(protocols):
            break
        day = days[protocols[index]["day"]]
        day.moved += 1
        queue = queues[_market_key(move)]
        turn = min(queue["waiting"], math.floor(queue["in_priority"] * factor))
        if turn <= 0:
            continue
        day.with_waiting += 1
        claim_data = move["claim_data"] or {}
        if move["claim_at"]:
            day.taken += 1
        day.rows.append(
            [
                move["seat_id"],
                kindergarten_name(move, "seat__group__kindergarten__"),
                move["seat__group__name"],
                move["seat__group__cohort"],
                language_label(move["seat__group__language"]),
                clock.localtime_iso(move["at"])[:16].replace("T", " "),
                queue["waiting"],
                turn,
                claim_data.get("child", ""),
                claim_data.get("application", ""),
                clock.localtime_iso(move["claim_at"])[:16].replace("T", " ") if move["claim_at"] else "",
                claim_data.get("position"),
            ]
        )
