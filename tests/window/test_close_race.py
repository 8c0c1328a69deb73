"""R-W-3/R-W-4 at the close: which side of the allocation a bid falls on is decided by the window's
lock, shared by the bids and taken alone by the allocation.

- A bid written before the allocation and committed after it started still counts: the allocation
  waits for it. The control, an allocation without its window lock, loses it.
- A bid that arrived before the close but reaches the database while the allocation runs is refused
  (window closed), never acknowledged and then ignored. The control, a bid without its share lock,
  is written after the allocation read the bids: acknowledged, and never counted.
"""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.db import connection, transaction

from accounts.models import AuditLog
from indigo.errors import Busy
from placement.models import Referral
from placement.queue import Market
from placement.window import allocation as allocation_module
from placement.window import bids as bids_module
from placement.window.allocation import window_allocate
from placement.window.bids import bid_place
from placement.window.models import Bid, ClaimWindow
from placement.window.snapshot import open_windows
from tests.window.conftest import CLOSE, family

# Room for a loaded machine: the bid is placed a few seconds before the close and commits after it.
BEFORE_CLOSE = dt.timedelta(seconds=4)
SLOW_COMMIT = 8
# How long the allocation holds the window meanwhile (the bid's lock timeout is raised above it).
SLOW_ALLOCATION = 1.5


def _lingering_bid(city, publish, groups):
    """A bid placed before the close whose transaction commits after the allocation has started."""
    publish(1)
    user, application = family(city, 1)
    placed = threading.Event()
    errors = []

    def bid():
        try:
            with transaction.atomic():
                bid_place(applications=[application], groups=[groups[0].pk], by=user)
                placed.set()
                time.sleep(SLOW_COMMIT)  # still inside the bid's transaction, holding the window's lock
        except Exception as exc:  # noqa: BLE001 - the assertions report it
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(CLOSE - BEFORE_CLOSE, tick=True):
        # The window's row, as the market's first bid makes it (committed on its own, snapshot.py).
        open_windows(market=Market.of(application), at=CLOSE - BEFORE_CLOSE)
        thread = threading.Thread(target=bid)
        thread.start()
        assert placed.wait(timeout=30), errors
        while allocation_module.clock.now() < CLOSE:
            time.sleep(0.05)
        assert thread.is_alive()  # the bid has not committed yet
        allocation = window_allocate(window=ClaimWindow.objects.get())
        thread.join(timeout=30)
    assert errors == []
    return application, allocation


@pytest.mark.django_db(transaction=True)
def test_a_bid_placed_before_the_close_counts_though_it_commits_after_R_W_3(city, publish, groups):
    application, allocation = _lingering_bid(city, publish, groups)
    assert allocation.bids == 1
    assert Referral.objects.get().application_id == application.pk


@pytest.mark.django_db(transaction=True)
def test_control_an_allocation_without_its_window_lock_loses_the_bid(city, publish, groups, monkeypatch):
    monkeypatch.setattr(allocation_module, "_lock_window", lambda window: ClaimWindow.objects.get(pk=window.pk))
    monkeypatch.setattr(allocation_module, "protocol_writers_drain", lambda city_id: None)
    _application, allocation = _lingering_bid(city, publish, groups)
    assert allocation.bids == 0 and not Referral.objects.exists()
    assert Bid.objects.count() == 1  # committed after the run: it never counted


def _bid_during_the_allocation(city, publish, groups, monkeypatch, *, lock_timeout_ms=30_000):
    """One bid placed in time; the allocation starts at the close and, while it holds the window, a
    second family's bid stamped before the close reaches the database. Its bids written (or the Busy
    it was answered with), and the run."""
    from django.conf import settings

    # The late bid waits for the whole allocation: room for a loaded machine before "busy, try again".
    monkeypatch.setattr(settings, "LOCK_TIMEOUT_MS", lock_timeout_ms)
    publish(2)
    first_user, first = family(city, 1)
    late_user, late = family(city, 2)
    with time_machine.travel(CLOSE - BEFORE_CLOSE, tick=False):
        bid_place(applications=[first], groups=[groups[0].pk], by=first_user)
    window = ClaimWindow.objects.get()
    holding = threading.Event()
    original = allocation_module._families

    def slow_families(row):
        holding.set()
        time.sleep(SLOW_ALLOCATION)  # the window is locked meanwhile
        return original(row)

    monkeypatch.setattr(allocation_module, "_families", slow_families)
    result = {}

    def allocate():
        try:
            result["allocation"] = window_allocate(window=window)
        except Exception as exc:  # noqa: BLE001 - the assertions report it
            result["error"] = exc
        finally:
            connection.close()

    with time_machine.travel(CLOSE + dt.timedelta(seconds=1), tick=True):
        thread = threading.Thread(target=allocate)
        thread.start()
        assert holding.wait(timeout=30), result
        try:
            written = bids_module._bids_write(
                window,
                [late],
                [groups[0].pk],
                by=late_user,
                at=CLOSE - dt.timedelta(milliseconds=1),
                audit=bids_module.audit_entry(actor=late_user, action="bid.place", obj=late),
            )
        except Busy as busy:
            written = busy
        thread.join(timeout=30)
    assert "error" not in result, result
    return written, result["allocation"], late


@pytest.mark.django_db(transaction=True)
def test_a_bid_reaching_the_database_during_the_allocation_is_refused_R_W_3(city, publish, groups, monkeypatch):
    written, allocation, late = _bid_during_the_allocation(city, publish, groups, monkeypatch)
    assert written == []  # bid_place answers "the window has closed"
    assert allocation.bids == 1
    assert not Bid.objects.filter(application=late).exists()
    # R-A-4: the audit entry goes with the bid's write, so a refused bid leaves none.
    assert not AuditLog.objects.filter(action="bid.place", object_id=str(late.pk)).exists()


@pytest.mark.django_db(transaction=True)
def test_control_without_the_share_lock_a_late_bid_is_acknowledged_and_never_counted(
    city, publish, groups, monkeypatch
):
    # The bid takes its shared lock on another key than the window's: nothing makes it wait for the run.
    monkeypatch.setattr(bids_module, "WINDOW_LOCK", bids_module.WINDOW_LOCK + 1)
    written, allocation, late = _bid_during_the_allocation(city, publish, groups, monkeypatch)
    assert len(written) == 1
    assert allocation.bids == 1
    assert Bid.objects.filter(application=late).exists()  # stored after the run read the bids


@pytest.mark.django_db(transaction=True)
def test_a_bid_kept_waiting_past_the_lock_timeout_is_told_busy_not_an_error_R_W_3(city, publish, groups, monkeypatch):
    written, allocation, late = _bid_during_the_allocation(city, publish, groups, monkeypatch, lock_timeout_ms=200)
    assert isinstance(written, Busy) and written.status == 503  # "try again": the next try finds it closed
    assert allocation.bids == 1
    assert not Bid.objects.filter(application=late).exists()
