"""Issue 16, item 3: the backtest replays the estimate on past days and scores it against placements."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from indigo.clock import at_local
from placement.models import Application, Child, Referral, WaitBacktest
from placement.wait_backtest import replay_days, wait_backtest_run
from tests.factories import GroupFactory, valid_iin
from vacancies.models import Protocol, ProtocolEntry, Seat

FIRST = dt.date(2023, 1, 2)
DAYS = 730


@pytest.fixture
def steady_market(city, kindergarten_a):
    """Two years of daily protocols; every day at 10:00 the head of the queue claims a seat (and enrols).

    So the child at place P on protocol day D is placed on D + P, and the estimate (one a day, repeated)
    expects it on D + 1 + (P - 1): the same day."""
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=1000)
    facts = {"kindergarten": {"id": kindergarten_a.pk}, "cohort": 2021, "language": "kk", "group_type": "general"}
    children = Child.objects.bulk_create(
        Child(
            iin=valid_iin(dt.date(2021, 3, 15)),
            last_name=f"Әлиев{n}",
            first_name="Арман",
            birth_date=dt.date(2021, 3, 15),
            sex="M",
        )
        for n in range(1000)
    )
    filed = at_local(dt.date(2022, 1, 10), dt.time(9, 0))
    applications = Application.objects.bulk_create(
        Application(
            reference=f"T-{n:06d}",
            child=child,
            city=city,
            cohort=2021,
            language="kk",
            group_type="general",
            desired_start=dt.date(2023, 9, 1),
            filed_at=filed + dt.timedelta(minutes=n),
        )
        for n, child in enumerate(children)
    )
    days = [FIRST + dt.timedelta(days=i) for i in range(DAYS)]
    protocols = Protocol.objects.bulk_create(
        Protocol(
            city=city,
            day=day,
            cutoff=at_local(day, dt.time(18, 0)),
            published_at=at_local(day, dt.time(18, 0)),
            sha256=f"{i:064d}",
            entry_count=1,
        )
        for i, day in enumerate(days)
    )
    seats = Seat.objects.bulk_create(
        Seat(group=group, state="occupied", released_at=at_local(day, dt.time(8, 0))) for day in days
    )
    Referral.objects.bulk_create(
        Referral(
            number=f"R-{i:06d}",
            token=f"token-{i}",
            seat=seat,
            application=applications[i],
            child=applications[i].child,
            state="enrolled",
            issued_at=at_local(day, dt.time(10, 0)),
            valid_until=at_local(day, dt.time(10, 0)) + dt.timedelta(days=7),
            closed_at=at_local(day, dt.time(12, 0)),
        )
        for i, (day, seat) in enumerate(zip(days, seats, strict=True))
    )
    for i, day in enumerate(days):
        Application.objects.filter(pk=applications[i].pk).update(state="placed", closed_at=at_local(day, dt.time(12)))
    ProtocolEntry.objects.bulk_create(
        ProtocolEntry(
            protocol=protocol, position=1, at=at_local(protocol.day, dt.time(10)), kind="claimed", payload=facts
        )
        for protocol in protocols
    )


def test_it_replays_from_the_first_day_with_a_year_of_history(city, steady_market):
    days = [protocol.day for protocol in replay_days(city=city, step_days=28)]
    assert days[0] == FIRST + dt.timedelta(days=365)
    assert days[1] - days[0] == dt.timedelta(days=28)
    assert days[-1] <= FIRST + dt.timedelta(days=DAYS - 1) - dt.timedelta(weeks=8)


def test_it_scores_a_steady_market_as_exact(city, steady_market):
    run = wait_backtest_run(city=city, step_days=28)
    assert run.judged > 1000
    assert run.inside == run.judged
    assert run.median_error_days == 0
    assert run.thin == 0


def test_it_counts_a_child_still_waiting_after_its_interval_as_late(city, steady_market):
    # The referrals from June 2024 on went unused: those children were never placed, so every child
    # expected from then on still waits when the data ends.
    Referral.objects.filter(issued_at__gte=at_local(dt.date(2024, 6, 1), dt.time(0))).update(state="expired")
    run = wait_backtest_run(city=city, step_days=28)
    assert run.inside < run.judged
    assert any(row["late"] for row in run.rows)


def test_it_is_run_by_a_command_and_shown_in_the_departments_reports(client, city, steady_market, officer):
    out = StringIO()
    call_command("backtest_wait", "--city", city.slug, stdout=out)
    assert "100.0% inside the 80 % interval" in out.getvalue()
    assert WaitBacktest.objects.filter(city=city).count() == 1
    client.force_login(officer)
    page = client.get(f"/en/department/{city.slug}/reports/wait/")
    assert page.status_code == 200
    assert "100%" in page.content.decode()
    csv = client.get(f"/en/department/{city.slug}/reports/wait/?format=csv")
    assert csv.status_code == 200
