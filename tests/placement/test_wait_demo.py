"""Issue 16: the demo seed can simulate enough published history for the expected wait and its backtest."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from indigo import clock
from placement.models import Application, Referral
from placement.wait_backtest import wait_backtest_run
from vacancies.models import City, Protocol, ProtocolEntry

pytestmark = pytest.mark.django_db


def test_it_simulates_months_of_protocols_and_keeps_the_demo_parent_waiting():
    call_command("seed_demo", children=200, kindergartens=4, history_months=14, stdout=StringIO())
    city = City.objects.get(slug="temirtau")
    days = list(Protocol.objects.filter(city=city).order_by("day").values_list("day", flat=True))
    assert days[0] <= clock.local_today() - dt.timedelta(days=400)
    assert ProtocolEntry.objects.filter(protocol__city=city, kind="claimed").count() > 20
    # Placements follow the queue, so the head of each market got the seats.
    assert Referral.objects.filter(application__city=city).exists()
    assert Application.objects.filter(
        city=city, state="active", child__representative_links__user__username="parent"
    ).exists()
    assert not Referral.objects.filter(child__representative_links__user__username__in=["parent", "parent2"]).exists()
    run = wait_backtest_run(city=city, step_days=56)
    assert run.rows  # at least one day with a year of history behind it was replayed
    # Seeding again changes nothing.
    before = Protocol.objects.count()
    call_command("seed_demo", children=200, kindergartens=4, history_months=14, stdout=StringIO())
    assert Protocol.objects.count() == before
