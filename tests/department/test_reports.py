"""Reports: each figure is compared with a count made here, row by row, from the same fixture."""

import csv
import datetime as dt
import io
import math
from collections import Counter

import pytest
from django.utils import translation
from openpyxl import load_workbook

from indigo import clock
from placement.models import Application, Child, Referral
from placement.reports.fairness import report_fairness
from placement.reports.queue import NO_PREFERENCE, report_queue
from tests.department.conftest import D, local
from tests.factories import ApplicationFactory, ChildFactory, DistrictFactory, GroupFactory, KindergartenFactory
from vacancies.models import Kindergarten, Protocol, Seat, SeatEvent
from vacancies.reports import Period, report_csv, report_xlsx
from vacancies.reports.claims import DELAY_BUCKETS, report_claim_hours, report_claim_stages
from vacancies.reports.ownership import report_ownership
from vacancies.reports.seats import FLOW_KINDS, report_seat_flow

PERIOD = Period(D(2024, 6, 1), D(2024, 6, 10))


@pytest.fixture(autouse=True)
def _english():
    # Labels in the tables are translated; the expectations below are written in English.
    with translation.override("en"):
        yield


def application(city, *, cohort=2021, language="kk", prefer=(), **extra):
    child = ChildFactory(birth_date=D(cohort, 3, 15))
    app = ApplicationFactory(city=city, child=child, language=language, **extra)
    for kindergarten in prefer:
        # One by one, so the through rows' ids record the order the parent chose.
        app.preferred_kindergartens.add(kindergarten)
    return app


def seat(group):
    return Seat.objects.create(group=group, state="released", released_at=local(D(2024, 5, 1)), source="release")


def event(seat, kind, at, **data):
    return SeatEvent.objects.create(seat=seat, kind=kind, at=at, data=data)


def claimed(seat, at, stage, published_at: str):
    return event(
        seat,
        "claimed",
        at,
        application="T-1",
        child="А. Б.",
        referral="R-1",
        stage=stage,
        published_at=published_at,
        position=None,
    )


@pytest.fixture
def queue(city, other_city, kindergarten_a, kindergarten_b):
    application(city, prefer=[kindergarten_a])
    application(city, prefer=[kindergarten_b, kindergarten_a])
    application(city)
    application(city, language="ru", prefer=[kindergarten_a])
    application(city, cohort=2020, prefer=[kindergarten_a, kindergarten_b])
    application(city, prefer=[kindergarten_a], state="placed", closed_at=local(D(2024, 6, 3)))
    application(other_city)


def test_it_counts_the_queue_by_cohort_language_and_first_preference(city, queue, kindergarten_a, kindergarten_b):
    report = report_queue(city=city)

    expected = Counter()
    for app in Application.objects.filter(city=city, state="active"):
        first = app.preferred_kindergartens.through.objects.filter(application=app).order_by("pk").first()
        district = first.kindergarten.district.name if first else str(NO_PREFERENCE)
        expected[(app.cohort, "Kazakh" if app.language == "kk" else "Russian", district)] += 1
    got = {(row[0], row[1], row[2]): row[3] for row in report.rows}
    assert got == dict(expected)
    # By hand: three 2021 Kazakh-language children, one per district and one with no preference.
    assert got[(2021, "Kazakh", kindergarten_a.district.name)] == 1
    assert got[(2021, "Kazakh", kindergarten_b.district.name)] == 1
    assert got[(2021, "Kazakh", str(NO_PREFERENCE))] == 1
    assert report.summary[0][1] == 5
    assert sum(sum(dataset["data"]) for dataset in report.chart.datasets) == 5


@pytest.fixture
def activity(city, other_city, kindergarten_a, kindergarten_b):
    Kindergarten.objects.filter(pk=kindergarten_b.pk).update(ownership="private", state_order_places=15)
    group_a = GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=30)
    group_a_2020 = GroupFactory(kindergarten=kindergarten_a, cohort=2020, capacity=20)
    group_b = GroupFactory(kindergarten=kindergarten_b, cohort=2021, capacity=25)
    a1, a2, a3, a4 = (seat(group_a) for _ in range(4))
    b1, b2, b3 = (seat(group_b) for _ in range(3))
    old = seat(group_a_2020)
    event(a1, "released", local(D(2024, 6, 3), 9))
    event(a2, "released", local(D(2024, 6, 3), 9))
    event(b1, "released", local(D(2024, 6, 3), 23, 59))  # still the 3rd in Astana, the 3rd/4th in UTC
    event(a3, "released", local(D(2024, 6, 4), 0, 1))
    event(a1, "published", local(D(2024, 6, 3), 18))
    claimed(a1, local(D(2024, 6, 3), 18, 30), "priority", "2024-06-03T18:00:00+05:00")  # half an hour
    claimed(a2, local(D(2024, 6, 5), 10), "priority", "2024-06-03T18:00:00+05:00")  # 40 hours
    claimed(b1, local(D(2024, 6, 6), 0, 30), "general", "2024-05-31T18:00:00+05:00")  # 126.5 hours
    claimed(b2, local(D(2024, 6, 10), 9), "general", "2024-05-31T18:00:00+05:00")  # 231 hours
    claimed(old, local(D(2024, 6, 4), 12), "general", "2024-06-04T05:00:00Z")  # 2 hours, written in UTC
    event(b3, "withdrawn", local(D(2024, 6, 4), 10))
    event(a4, "expired", local(D(2024, 6, 5), 18))
    event(a4, "released", local(D(2024, 5, 20), 10))  # before the period
    event(a4, "released", local(D(2024, 6, 11), 0, 0))  # after it
    foreign = GroupFactory(kindergarten=KindergartenFactory(district=DistrictFactory(city=other_city)))
    event(seat(foreign), "released", local(D(2024, 6, 3), 9))


def period_events(city, **filters):
    events = SeatEvent.objects.filter(seat__group__kindergarten__city=city, **filters).select_related(
        "seat__group__kindergarten"
    )
    return [e for e in events if PERIOD.start <= clock.local_date(e.at) <= PERIOD.end]


def test_it_counts_seats_per_day_in_astana_time(city, activity):
    report = report_seat_flow(city=city, period=PERIOD)

    expected = Counter((clock.local_date(e.at), e.kind) for e in period_events(city, kind__in=FLOW_KINDS))
    assert len(report.rows) == 10
    for row in report.rows:
        assert row[1:] == [expected[(row[0], kind)] for kind in FLOW_KINDS]
    by_day = {row[0]: row[1:] for row in report.rows}
    assert by_day[D(2024, 6, 3)] == [3, 1, 0, 0]
    assert by_day[D(2024, 6, 4)] == [1, 1, 1, 0]
    assert by_day[D(2024, 6, 5)] == [0, 1, 0, 1]


def test_it_shares_claims_between_priority_and_general_access(city, activity):
    report = report_claim_stages(city=city, period=PERIOD)

    expected = Counter((e.seat.group.cohort, e.data["stage"]) for e in period_events(city, kind="claimed"))
    assert report.rows == [
        [2020, expected[(2020, "priority")], expected[(2020, "general")], 0.0],
        [2021, expected[(2021, "priority")], expected[(2021, "general")], 50.0],
    ]
    assert [value for _label, value in report.summary] == [2, 3, 40.0]


def test_it_measures_hours_from_publication_to_claim(city, activity):
    report = report_claim_hours(city=city, period=PERIOD)

    expected = Counter()
    hours = []
    for e in period_events(city, kind="claimed"):
        delay = e.at - dt.datetime.fromisoformat(e.data["published_at"].replace("Z", "+00:00"))
        hours.append(delay / dt.timedelta(hours=1))
        for key, _label, low, high in DELAY_BUCKETS:
            if (low is None or delay >= low) and (high is None or delay < high):
                expected[(key, e.data["stage"])] += 1
    for (key, *_rest), row in zip(DELAY_BUCKETS, report.rows, strict=True):
        assert row[1:] == [
            expected[(key, "priority")],
            expected[(key, "general")],
            expected[(key, "priority")] + expected[(key, "general")],
        ]
    assert [row[3] for row in report.rows] == [1, 1, 0, 1, 1, 1]
    summary = {str(label): value for label, value in report.summary}
    assert summary["Seats claimed"] == 5
    assert summary["Average hours from publication to claim"] == round(sum(hours) / len(hours), 1) == 80.0
    assert summary["Claimed within an hour of publication, %"] == 20.0


def test_it_compares_state_and_private_kindergartens(city, activity):
    report = report_ownership(city=city, period=PERIOD)

    rows = {row[0]: row for row in report.rows}
    for ownership, label in (("state", "State"), ("private", "Private")):
        events = [e for e in period_events(city) if e.seat.group.kindergarten.ownership == ownership]
        kinds = Counter(e.kind for e in events)
        claims = [e for e in events if e.kind == "claimed"]
        priority = sum(1 for e in claims if e.data["stage"] == "priority")
        kindergartens = Kindergarten.objects.filter(city=city, ownership=ownership)
        places = sum(g.capacity for k in kindergartens for g in k.groups.all())
        assert rows[label][1:] == [
            kindergartens.count(),
            places,
            sum(k.state_order_places for k in kindergartens),
            kinds["released"],
            kinds["claimed"],
            kinds["withdrawn"],
            round(100 * priority / len(claims), 1) if claims else None,
        ]
    assert rows["Private"][1:] == [1, 25, 15, 1, 2, 1, 0.0]


@pytest.fixture
def fairness(city, kindergarten_a):
    """Two protocols; one seat reaches general access with children waiting and is then taken, one with nobody."""
    for day in (D(2024, 6, 5), D(2024, 6, 6)):
        Protocol.objects.create(
            city=city,
            day=day,
            cutoff=local(day, 18),
            previous_cutoff=local(day - dt.timedelta(days=1), 18),
            published_at=local(day, 18),
            sha256="0" * 64,
        )
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=30)
    moment = local(D(2024, 6, 6))
    taken = Seat.objects.create(
        group=group,
        state="claimed",
        released_at=local(D(2024, 5, 20)),
        published_at=local(D(2024, 5, 20), 18),
        priority_from=local(D(2024, 6, 3)),
        priority_until=D(2024, 6, 5),
        general_from=moment,
        claimed_at=local(D(2024, 6, 6), 0, 30),
    )
    Seat.objects.create(
        group=group,
        state="open",
        released_at=local(D(2024, 6, 5)),
        published_at=local(D(2024, 6, 5), 18),
        priority_from=local(D(2024, 6, 5), 18),
        priority_until=D(2024, 6, 10),
        general_from=local(D(2024, 6, 11)),
    )
    event(taken, "general", moment)
    event(
        taken,
        "claimed",
        local(D(2024, 6, 6), 0, 30),
        application="T-000009",
        child="Ә. А.",
        referral="R-9",
        stage="general",
        published_at="2024-05-20T18:00:00+05:00",
        position=None,
    )
    for _ in range(3):
        application(city)  # waiting
    application(city, state="placed", closed_at=local(D(2024, 6, 1)))  # placed before: not waiting
    application(city, state="placed", closed_at=local(D(2024, 6, 8)))  # placed after: still waiting then
    application(city, language="ru")  # another queue
    holder = application(city)  # holds a live referral: not waiting for a seat
    Referral.objects.create(
        number="R-1",
        seat=taken,
        application=holder,
        child=holder.child,
        state="issued",
        issued_at=local(D(2024, 6, 4)),
        valid_until=local(D(2024, 6, 12)),
    )
    lonely = GroupFactory(kindergarten=kindergarten_a, cohort=2019, language="ru", capacity=10)
    nobody = Seat.objects.create(
        group=lonely,
        state="open",
        released_at=local(D(2024, 5, 28)),
        published_at=local(D(2024, 5, 28), 18),
        priority_from=local(D(2024, 5, 28), 18),
        priority_until=D(2024, 6, 4),
        general_from=local(D(2024, 6, 5)),
    )
    event(nobody, "general", local(D(2024, 6, 5)))
    return taken, moment


def waiting_at(city, seat, moment):
    count = 0
    for app in Application.objects.filter(
        city=city, cohort=seat.group.cohort, language=seat.group.language, group_type=seat.group.group_type
    ):
        still = app.state == "active" or (app.closed_at and app.closed_at > moment)
        live = any(r.issued_at <= moment and (r.closed_at is None or r.closed_at > moment) for r in app.referrals.all())
        count += bool(app.filed_at <= moment and still and not live)
    return count


def test_it_shows_seats_that_went_to_general_access_while_children_waited(city, fairness):
    taken, moment = fairness
    report = report_fairness(city=city, period=PERIOD)

    days = {day.protocol_day: (day.moved, day.with_waiting, day.taken) for day in report.detail}
    assert days == {D(2024, 6, 5): (1, 0, 0), D(2024, 6, 6): (1, 1, 1)}
    waiting = waiting_at(city, taken, moment)
    in_priority = sum(
        1
        for s in Seat.objects.filter(group__cohort=2021, group__language="kk")
        if s.priority_from <= moment <= s.general_from and (s.claimed_at is None or s.claimed_at > moment)
    )
    assert (waiting, in_priority) == (4, 2)
    [row] = report.rows
    assert row[0] == D(2024, 6, 6)
    assert row[1] == taken.pk
    assert row[7:11] == [
        waiting,
        min(waiting, math.floor(in_priority * float(city.priority_pool_factor))),
        "Ә. А.",
        "T-000009",
    ]
    text = " ".join(str(cell) for cell in row)
    assert all(child.last_name not in text and child.iin not in text for child in Child.objects.all())


def test_it_exports_the_same_table_to_csv_and_xlsx(city, activity):
    report = report_seat_flow(city=city, period=PERIOD)

    text = report_csv(report).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [str(column) for column in report.columns]
    assert rows[1:] == [
        [cell.isoformat() if isinstance(cell, dt.date) else str(cell) for cell in row] for row in report.rows
    ]

    workbook = load_workbook(io.BytesIO(report_xlsx(report, title="Seats per day")))
    sheet = workbook.active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == [str(column) for column in report.columns]
    assert [
        [cell.date() if isinstance(cell, dt.datetime) else cell for cell in row] for row in values[1:]
    ] == report.rows
