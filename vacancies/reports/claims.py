"""Claims: the share taken in priority access, and the hours from a seat's publication to its claim.

Claim figures come from the "claimed" SeatEvent rows, whose data holds the access stage, the seat's
publication time and the queue position at claim time; nothing here reads a child's name or IIN (R-P-4)."""

import datetime as dt

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vacancies.models import City, SeatEvent, Stage
from vacancies.reports.base import Chart, Period, Report, city_events, share
from vacancies.reports.registry import report_listed

# The access stages a claim is made in, with their labels from Stage (written once).
STAGES = tuple((stage.value, stage.label) for stage in (Stage.PRIORITY, Stage.GENERAL))


def _claims(city: City, period: Period):
    return city_events(city).filter(kind=SeatEvent.Kind.CLAIMED, at__gte=period.since, at__lt=period.until)


@report_listed(
    "stages",
    _("Priority or general access"),
    _("The share of seats claimed in priority access against those left to general access."),
    order=30,
)
def report_claim_stages(*, city: City, period: Period) -> Report:
    """How many seats were claimed in priority access and how many only in general access, by cohort."""
    counts = (
        _claims(city, period)
        .values(cohort=F("seat__group__cohort"))
        .annotate(
            priority=Count("pk", filter=Q(data__stage="priority")),
            general=Count("pk", filter=Q(data__stage="general")),
        )
        .order_by("cohort")
    )
    rows = []
    for row in counts:
        total = row["priority"] + row["general"]
        rows.append([row["cohort"], row["priority"], row["general"], share(row["priority"], total)])
    priority = sum(row[1] for row in rows)
    general = sum(row[2] for row in rows)
    chart = Chart(
        type="doughnut",
        labels=[label for _stage, label in STAGES],
        datasets=[{"label": _("Seats claimed"), "data": [priority, general]}],
    )
    return Report(
        slug="stages",
        columns=[
            _("Birth year"),
            _("Claimed in priority access"),
            _("Claimed in general access"),
            _("Priority share, %"),
        ],
        rows=rows,
        chart=chart,
        summary=[
            (_("Claimed in priority access"), priority),
            (_("Claimed in general access"), general),
            (_("Priority share, %"), share(priority, priority + general)),
        ],
    )


HOUR = dt.timedelta(hours=1)
DELAY_BUCKETS = (
    ("under_1h", pgettext_lazy("time since publication", "under 1 hour"), None, HOUR),
    ("h1_6", pgettext_lazy("time since publication", "1–6 hours"), HOUR, 6 * HOUR),
    ("h6_24", pgettext_lazy("time since publication", "6–24 hours"), 6 * HOUR, 24 * HOUR),
    ("d1_3", pgettext_lazy("time since publication", "1–3 days"), 24 * HOUR, 72 * HOUR),
    ("d3_7", pgettext_lazy("time since publication", "3–7 days"), 72 * HOUR, 168 * HOUR),
    ("over_7d", pgettext_lazy("time since publication", "7 days or more"), 168 * HOUR, None),
)


@report_listed("hours", _("Time to claim"), _("Hours from a seat's publication to its claim."), order=40)
def report_claim_hours(*, city: City, period: Period) -> Report:
    """Hours from a seat's publication to its claim, in buckets, for each access stage."""
    delay = ExpressionWrapper(F("at") - Cast(KT("data__published_at"), DateTimeField()), output_field=DurationField())
    aggregates = {"claims": Count("pk"), "total_delay": Sum("delay")}
    for key, _label, low, high in DELAY_BUCKETS:
        condition = Q()
        if low is not None:
            condition &= Q(delay__gte=low)
        if high is not None:
            condition &= Q(delay__lt=high)
        aggregates[key] = Count("pk", filter=condition)
    counts = {
        row["stage"]: row
        for row in _claims(city, period)
        .filter(data__has_key="published_at")
        .annotate(delay=delay, stage=KT("data__stage"))
        .values("stage")
        .annotate(**aggregates)
        .order_by()
    }
    rows = []
    for key, label, _low, _high in DELAY_BUCKETS:
        per_stage = [counts.get(stage, {}).get(key, 0) for stage, _stage_label in STAGES]
        rows.append([str(label), *per_stage, sum(per_stage)])
    claims = sum(row["claims"] for row in counts.values())
    total_delay = sum((row["total_delay"] or dt.timedelta(0) for row in counts.values()), dt.timedelta(0))
    average = round(total_delay / claims / HOUR, 1) if claims else None
    chart = Chart(
        type="bar",
        labels=[label for _key, label, _low, _high in DELAY_BUCKETS],
        datasets=[
            {"label": stage_label, "data": [row[index + 1] for row in rows]}
            for index, (_stage, stage_label) in enumerate(STAGES)
        ],
        stacked=True,
        x_title=_("Time from publication to claim"),
        y_title=_("Seats claimed"),
    )
    within_hour = rows[0][-1]
    return Report(
        slug="hours",
        columns=[_("Time from publication to claim"), _("Priority access"), _("General access"), _("All claims")],
        rows=rows,
        chart=chart,
        summary=[
            (_("Seats claimed"), claims),
            (_("Average hours from publication to claim"), average),
            (_("Claimed within an hour of publication, %"), share(within_hour, claims)),
        ],
    )
