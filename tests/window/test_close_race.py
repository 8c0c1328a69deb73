"""R-W-3/R-W-4 at the close: a bid stamped before the close and committed after the run started still
counts (the run waits for the writers in flight); the control without that wait loses it."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.db import connection

from placement.models import Referral
from placement.window import allocation as allocation_module
from placement.window import bids as bids_module
from placement.window.allocation import window_allocate
from placement.window.bids import bid_place
from placement.window.models import Bid, ClaimWindow
from tests.window.conftest import CLOSE, family

# Room for a loaded machine: the bid is stamped a few seconds before the close and commits after it.
BEFORE_CLOSE = dt.timedelta(seconds=4)
SLOW_COMMIT = 8


def _race(city, publish, groups, monkeypatch):
    publish(1)
    user, application = family(city, 1)
    original = bids_module._bids_write
    stamped = threading.Event()

    def write_then_linger(*args, **kwargs):
        result = original(*args, **kwargs)
        stamped.set()
        time.sleep(SLOW_COMMIT)  # still inside the bid's transaction, holding the city's writer lock
        return result

    monkeypatch.setattr(bids_module, "_bids_write", write_then_linger)
    errors = []

    def bid():
        try:
            bid_place(applications=[application], groups=[groups[0].pk], by=user)
        except Exception as exc:  # noqa: BLE001 - the assertions report it
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(CLOSE - BEFORE_CLOSE, tick=True):
        thread = threading.Thread(target=bid)
        thread.start()
        assert stamped.wait(timeout=30), errors
        while allocation_module.clock.now() < CLOSE:
            time.sleep(0.05)
        assert thread.is_alive()  # the bid has not committed yet
        allocation = window_allocate(window=ClaimWindow.objects.get())
        thread.join(timeout=30)
    assert errors == []
    return application, allocation


@pytest.mark.django_db(transaction=True)
def test_a_bid_stamped_before_the_close_counts_though_it_commits_after_R_W_3(city, publish, groups, monkeypatch):
    application, allocation = _race(city, publish, groups, monkeypatch)
    assert allocation.bids == 1
    assert Referral.objects.get().application_id == application.pk


@pytest.mark.django_db(transaction=True)
def test_control_without_waiting_for_the_writers_the_bid_is_lost(city, publish, groups, monkeypatch):
    monkeypatch.setattr(allocation_module, "protocol_writers_drain", lambda city_id: None)
    _application, allocation = _race(city, publish, groups, monkeypatch)
    assert allocation.bids == 0 and not Referral.objects.exists()
    assert Bid.objects.count() == 1  # committed after the run: it never counted
