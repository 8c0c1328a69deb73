"""R-W-3: a bid's write on PostgreSQL, one function that keeps its plans (placement/window/bid_write.py).

Its plans are made by a connection's first bid, often on an empty window, and kept while the window
fills: the plans must read the indexes whatever the statistics said then. PostgreSQL's auto_explain
shows the plans the function ran. The control, the same function planned with seqscan allowed,
scans the table on an empty window: a plan that would read every bid of the window for each bid.
"""

import pytest
import time_machine
from django.db import connection

from placement.window import bid_write
from placement.window.bids import bid_place
from placement.window.models import Bid
from tests.window.conftest import IN_WINDOW, family

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the function is PostgreSQL's")


def _plans_of_a_first_bid(city, publish, groups) -> str:
    """The plans of the statements the function ran for a bid on an empty window, planned afresh."""
    publish(2, 2)
    users_and_children = [family(city, number) for number in (1, 2)]
    bid_write.bid_write_function_install()  # a new function: no connection keeps a plan of it
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE placement_bid")  # statistics of an empty table, as before a first window
        cursor.execute("LOAD 'auto_explain'")
        cursor.execute(
            "SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; "
            "SET auto_explain.log_level = 'notice'; SET client_min_messages = 'notice'"
        )
    notices = connection.connection.notices
    del notices[:]
    try:
        with time_machine.travel(IN_WINDOW, tick=False):
            for user, application in users_and_children:
                bid_place(applications=[application], groups=[groups[0].pk, groups[1].pk], by=user)
            # A new list replaces the old: the lookup of the old rows finds one.
            user, application = users_and_children[0]
            bid_place(applications=[application], groups=[groups[1].pk], by=user)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET client_min_messages; RESET auto_explain.log_min_duration")
    assert Bid.objects.count() == 2
    return "".join(notices)


@pytest.mark.django_db
def test_the_bid_write_reads_the_indexes_though_planned_on_an_empty_window_R_W_3(city, publish, groups):
    plans = _plans_of_a_first_bid(city, publish, groups)
    assert "placement_bid" in plans and "bid_one_per_application_and_window" in plans
    assert "Seq Scan on placement_bid" not in plans


@pytest.mark.django_db
def test_control_planned_with_seqscan_allowed_it_scans_the_whole_window(city, publish, groups, monkeypatch):
    monkeypatch.setattr(bid_write, "_PLANNING", "SET plan_cache_mode = force_generic_plan")
    plans = _plans_of_a_first_bid(city, publish, groups)
    assert "Seq Scan on placement_bid" in plans


@pytest.mark.django_db
def test_the_function_is_made_again_from_the_models_and_no_old_version_stays(city):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE FUNCTION {bid_write.NAME}(integer) RETURNS void LANGUAGE sql AS 'SELECT'")
    bid_write.bid_write_function_install()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pronargs FROM pg_proc WHERE proname = %s", [bid_write.NAME])
        versions = cursor.fetchall()
    # The write's own parameters and one per column of the audit entry.
    assert versions == [(len(bid_write._PARAMETERS) + len(bid_write._audit_fields()),)]
