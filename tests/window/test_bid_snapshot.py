"""R-W-3 at the opening minute: a bid is judged from its window's snapshot (placement/window/snapshot.py),
which must say what placement/queue/eligibility.py says, and it costs a handful of statements."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from indigo.errors import ServiceError
from placement.queue import Market
from placement.queue.eligibility import priority_turn
from placement.window.bids import bid_place
from placement.window.snapshot import open_windows, window_turn
from tests.window.conftest import IN_WINDOW, family


@pytest.fixture
def snapshots(settings):
    settings.WINDOW_TURN_SNAPSHOT_S = 60
    settings.WINDOW_SNAPSHOT_S = 10


def test_the_window_snapshot_agrees_with_the_one_definition_R_W_3(city, publish, groups, snapshots):
    publish(2, 1)
    applications = [family(city, n)[1] for n in range(1, 9)]
    # A stop-listed child and a withdrawn one are not among the eligible: the ranks close up behind them.
    applications[1].stop_listed_until = IN_WINDOW + dt.timedelta(days=30)
    applications[1].save()
    applications[3].state = "withdrawn"
    applications[3].closed_at = IN_WINDOW - dt.timedelta(hours=1)
    applications[3].save()
    with time_machine.travel(IN_WINDOW, tick=False):
        [window] = open_windows(market=Market.of(applications[0]), at=IN_WINDOW)
        assert window.stage == "priority" and window.seats == {groups[0].pk: 2, groups[1].pk: 1}
        for application in applications:
            application.refresh_from_db()
            snapshot = window_turn(window=window, application=application, at=IN_WINDOW)
            exact = priority_turn(application=application, at=IN_WINDOW)
            assert (snapshot.rank, snapshot.allowed, snapshot.has_come) == (exact.rank, exact.allowed, exact.has_come)
    assert [window_turn(window=window, application=a, at=IN_WINDOW).rank for a in applications] == [
        1,
        None,
        2,
        None,
        3,
        4,
        5,
        6,
    ]


def test_a_bid_refused_or_let_through_from_the_snapshot_as_the_definition_says_R_W_3(city, publish, groups, snapshots):
    publish(1)
    users_and_applications = [family(city, n) for n in range(1, 4)]
    with time_machine.travel(IN_WINDOW, tick=False):
        for user, application in users_and_applications:
            exact = priority_turn(application=application, at=IN_WINDOW)
            if exact.has_come:
                bid_place(applications=[application], groups=[groups[0].pk], by=user)
            else:
                with pytest.raises(ServiceError) as error:
                    bid_place(applications=[application], groups=[groups[0].pk], by=user)
                assert error.value.code == "not_your_turn"


def test_a_bid_over_the_api_costs_a_handful_of_statements_R_W_3(city, publish, groups, snapshots):
    publish(2, 2)
    user, application = family(city, 1)
    client = Client()
    client.force_login(user)
    url = f"/api/v1/applications/{application.pk}/bid/"
    with time_machine.travel(IN_WINDOW, tick=False):
        assert client.put(url, {"groups": [groups[0].pk]}, content_type="application/json").status_code == 200
        with CaptureQueriesContext(connection) as queries:
            answer = client.put(url, {"groups": [groups[1].pk, groups[0].pk]}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["groups"] == [groups[1].pk, groups[0].pk]
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # The session, the user, the application with its checks, and one round trip that writes: the
    # window's row in share mode, the stale twin rows, the upsert and the audit row. Nothing that grows
    # with the window's groups or the market's children.
    assert len(statements) <= 4, statements
