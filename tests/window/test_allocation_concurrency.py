"""R-W-4 exactly once: two runs of one window at once (PostgreSQL), and the control without the lock."""

import threading

import pytest
import time_machine
from django.db import IntegrityError, connection

from placement.models import Referral
from placement.window import allocation as allocation_module
from placement.window.allocation import window_allocate
from placement.window.bids import bid_place
from placement.window.models import ClaimWindow, WindowAllocation
from tests.window.conftest import AFTER_CLOSE, IN_WINDOW, family


def _setup(city, publish, groups):
    publish(2, 1)
    # Three seats in priority access: the three children are in turn.
    for n in range(1, 4):
        user, application = family(city, n)
        with time_machine.travel(IN_WINDOW, tick=False):
            bid_place(applications=[application], groups=[groups[0].pk, groups[1].pk], by=user)
    with time_machine.travel(AFTER_CLOSE, tick=False):
        return ClaimWindow.objects.get()


def _run_twice(window, before=None):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with time_machine.travel(AFTER_CLOSE, tick=False):
                barrier.wait(timeout=10)
                results.append(window_allocate(window=window).pk)
        except Exception as exc:  # noqa: BLE001 - the assertions report it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_it_allocates_once_when_two_runs_start_together_R_W_4(city, publish, groups):
    window = _setup(city, publish, groups)
    results, errors = _run_twice(window)
    assert errors == []
    assert len(results) == 2 and len(set(results)) == 1
    assert WindowAllocation.objects.count() == 1
    assert Referral.objects.count() == WindowAllocation.objects.get().placed == 3


@pytest.mark.django_db(transaction=True)
def test_control_without_the_window_lock_both_runs_go_ahead(city, publish, groups, monkeypatch):
    """Shows what the lock prevents: without it both runs pass "not allocated yet" and the second
    is stopped only by the database's unique run row."""
    window = _setup(city, publish, groups)
    both_past_the_check = threading.Barrier(2)
    original_families = allocation_module._families

    def families_after_both_checked(window):
        both_past_the_check.wait(timeout=10)
        return original_families(window)

    monkeypatch.setattr(
        allocation_module, "_lock_window", lambda window: ClaimWindow.objects.select_related("city").get(pk=window.pk)
    )
    monkeypatch.setattr(allocation_module, "_families", families_after_both_checked)
    results, errors = _run_twice(window)
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], IntegrityError)
    assert WindowAllocation.objects.count() == 1
    assert Referral.objects.count() == 3
