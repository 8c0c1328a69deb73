"""The education department's reports: figures aggregated in SQL, a few queries each, with CSV and XLSX.

Every report returns a `Report`: a table (what the exports contain) and the data of its chart.
Claim figures come from the "claimed" SeatEvent rows, whose data holds the application
reference, the child's initials, the access stage, the seat's publication time and the queue
position at claim time; nothing here reads a child's name or IIN (R-P-4).
"""

import dataclasses
import datetime as dt
import io
import math
from collections import defaultdict
from types import SimpleNamespace

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from indigo import clock
from indigo.choices import Language
from indigo.i18n import localized
from indigo.spreadsheet import csv_writer, xlsx_cell
from placement.envy import envy_by_day
from placement.models import Application, Referral
from vacancies.models import City, District, Group, Kindergarten, Protocol, Seat, SeatEvent

ASTANA = clock.ASTANA
DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclasses.dataclass(frozen=True)
class Period:
    """Local days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS) -> "Period":
        today = clock.local_today()
        return cls(today - dt.timedelta(days=days - 1), today)

    @property
    def since(self) -> dt.datetime:
        return clock.at_local(self.start, dt.time(0, 0))

    @property
    def until(self) -> dt.datetime:
        return clock.at_local(self.end + dt.timedelta(days=1), dt.time(0, 0))

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclasses.dataclass
class Chart:
    """What static/js/department-charts.js needs to draw one Chart.js chart."""

    type: str
    labels: list
    datasets: list[dict]
    stacked: bool = False
    x_title: str = ""
    y_title: str = ""

    def as_data(self) -> dict:
        return {
            "type": self.type,
            "labels": [str(label) for label in self.labels],
            "datasets": [{**dataset, "label": str(dataset["label"])} for dataset in self.datasets],
            "stacked": self.stacked,
            "x_title": str(self.x_title),
            "y_title": str(self.y_title),
        }


@dataclasses.dataclass
class Report:
    slug: str
    columns: list
    rows: list[list]
    chart: Chart | None = None
    summary: list[tuple] = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)
    # Extra structure a page may show beside the table (the fairness days).
    detail: list = dataclasses.field(default_factory=list)
    # Justified envy per day and market, first come beside the claim window (placement/envy.py).
    envy: list = dataclasses.field(default_factory=list)
    # Columns whose numbers are names, not quantities (a birth year, a seat number).
    label_columns: frozenset = frozenset({0})


def _city_events(city: City):
    return SeatEvent.objects.filter(seat__group__kindergarten__city=city)


def _language_label(code: str) -> str:
    return str(Language(code).label) if code in Language.values else code


def _kindergarten_name(row: dict, prefix: str) -> str:
    names = SimpleNamespace(**{f"name_{code}": row[f"{prefix}name_{code}"] for code in ("kk", "ru", "en")})
    return localized(names, "name")


# Queue length -----------------------------------------------------------------------------------

NO_PREFERENCE = _("no preference")


def report_queue(*, city: City) -> Report:
    """Children in the queue now by cohort, language and district (of the first preferred kindergarten)."""
    through = Application.preferred_kindergartens.through
    first_choice = (
        through.objects.filter(application_id=OuterRef("pk")).order_by("pk").values("kindergarten__district_id")[:1]
    )
    counts = (
        Application.objects.filter(city=city, state=Application.State.ACTIVE)
        .annotate(district_id=Subquery(first_choice))
        .values("cohort", "language", "district_id")
        .annotate(children=Count("pk"))
        .order_by("cohort", "language", "district_id")
    )
    districts = {district.pk: district.name for district in District.objects.filter(city=city)}
    rows, by_district, markets = [], defaultdict(dict), []
    for row in counts:
        district = districts.get(row["district_id"], NO_PREFERENCE) if row["district_id"] else NO_PREFERENCE
        market = f"{row['cohort']} · {_language_label(row['language'])}"
        if market not in markets:
            markets.append(market)
        by_district[str(district)][market] = row["children"]
        rows.append([row["cohort"], _language_label(row["language"]), str(district), row["children"]])
    total = sum(row[3] for row in rows)
    district_order = sorted(by_district, key=lambda name: (name == str(NO_PREFERENCE), name))
    chart = Chart(
        type="bar",
        labels=markets,
        datasets=[
            {"label": name, "data": [by_district[name].get(market, 0) for market in markets]} for name in district_order
        ],
        stacked=True,
        x_title=_("Birth year · language"),
        y_title=_("Children in the queue"),
    )
    return Report(
        slug="queue",
        label_columns=frozenset({0, 1, 2}),
        columns=[_("Birth year"), _("Language"), _("District"), _("Children in the queue")],
        rows=rows,
        chart=chart,
        summary=[(_("Children in the queue"), total)],
        notes=[
            _(
                "A child's district is the district of the first kindergarten the parent preferred; "
                "children with no preferred kindergarten are counted apart."
            )
        ],
    )


# Seat flow --------------------------------------------------------------------------------------

FLOW_KINDS = (SeatEvent.Kind.RELEASED, SeatEvent.Kind.CLAIMED, SeatEvent.Kind.WITHDRAWN, SeatEvent.Kind.EXPIRED)


def report_seat_flow(*, city: City, period: Period) -> Report:
    """Seats released, claimed, withdrawn and whose referral expired, per local day."""
    counts = (
        _city_events(city)
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


# Claims: priority or general access, and how fast --------------------------------------------------

STAGES = (("priority", _("priority access")), ("general", _("general access")))


def _claims(city: City, period: Period):
    return _city_events(city).filter(kind=SeatEvent.Kind.CLAIMED, at__gte=period.since, at__lt=period.until)


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
        rows.append([row["cohort"], row["priority"], row["general"], _share(row["priority"], total)])
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
            (_("Priority share, %"), _share(priority, priority + general)),
        ],
    )


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


HOUR = dt.timedelta(hours=1)
DELAY_BUCKETS = (
    ("under_1h", pgettext_lazy("time since publication", "under 1 hour"), None, HOUR),
    ("h1_6", pgettext_lazy("time since publication", "1–6 hours"), HOUR, 6 * HOUR),
    ("h6_24", pgettext_lazy("time since publication", "6–24 hours"), 6 * HOUR, 24 * HOUR),
    ("d1_3", pgettext_lazy("time since publication", "1–3 days"), 24 * HOUR, 72 * HOUR),
    ("d3_7", pgettext_lazy("time since publication", "3–7 days"), 72 * HOUR, 168 * HOUR),
    ("over_7d", pgettext_lazy("time since publication", "7 days or more"), 168 * HOUR, None),
)


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
            (_("Claimed within an hour of publication, %"), _share(within_hour, claims)),
        ],
    )


# State and private kindergartens ----------------------------------------------------------------


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
        for row in _city_events(city)
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
                _share(e.get("priority", 0), e.get("claimed", 0)),
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


# Fairness ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class FairnessDay:
    protocol_day: dt.date
    moved: int = 0
    with_waiting: int = 0
    taken: int = 0
    rows: list = dataclasses.field(default_factory=list)


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


def _market_key(row: dict) -> tuple:
    return (row["at"], row["seat__group__cohort"], row["seat__group__language"], row["seat__group__group_type"])


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
    moved = _city_events(city).filter(
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
                _kindergarten_name(move, "seat__group__kindergarten__"),
                move["seat__group__name"],
                move["seat__group__cohort"],
                _language_label(move["seat__group__language"]),
                clock.localtime_iso(move["at"])[:16].replace("T", " "),
                queue["waiting"],
                turn,
                claim_data.get("child", ""),
                claim_data.get("application", ""),
                clock.localtime_iso(move["claim_at"])[:16].replace("T", " ") if move["claim_at"] else "",
                claim_data.get("position"),
            ]
        )


# Registry of reports and exports ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReportKind:
    slug: str
    title: Promise
    description: Promise
    build: object
    uses_period: bool = True


REPORTS = {
    kind.slug: kind
    for kind in (
        ReportKind(
            "queue",
            _("Queue length"),
            _("Children in the queue now, by birth year, language and district."),
            lambda city, period: report_queue(city=city),
            uses_period=False,
        ),
        ReportKind(
            "seats",
            _("Seats per day"),
            _("Seats released, claimed, withdrawn and whose referral expired, day by day."),
            lambda city, period: report_seat_flow(city=city, period=period),
        ),
        ReportKind(
            "stages",
            _("Priority or general access"),
            _("The share of seats claimed in priority access against those left to general access."),
            lambda city, period: report_claim_stages(city=city, period=period),
        ),
        ReportKind(
            "hours",
            _("Time to claim"),
            _("Hours from a seat's publication to its claim."),
            lambda city, period: report_claim_hours(city=city, period=period),
        ),
        ReportKind(
            "ownership",
            _("State and private kindergartens"),
            _("Places and seat movements of state and private kindergartens."),
            lambda city, period: report_ownership(city=city, period=period),
        ),
        ReportKind(
            "fairness",
            _("Fairness"),
            _("For each protocol: seats that reached general access while children whose turn had come waited."),
            lambda city, period: report_fairness(city=city, period=period),
        ),
    )
}


def report_build(*, slug: str, city: City, period: Period) -> Report:
    return REPORTS[slug].build(city, period)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, Promise):
        return str(value)
    return value


def report_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([str(column) for column in report.columns])
    for row in report.rows:
        writer.writerow([value.isoformat() if isinstance(value, dt.date) else _cell(value) for value in row])
    # The byte order mark makes Excel read the Cyrillic as UTF-8.
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def report_xlsx(report: Report, *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    # Sheet titles are limited to 31 characters and some punctuation.
    sheet = workbook.create_sheet(title="".join(c for c in title if c not in "[]:*?/\\")[:31] or report.slug)
    header = []
    for column in report.columns:
        cell = xlsx_cell(sheet, str(column))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in report.rows:
        sheet.append([xlsx_cell(sheet, _cell(value)) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
