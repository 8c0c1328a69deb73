"""R-W-1, R-W-2, R-W-3: the mode fixed on the seat at publication, bids as plain rows until the close."""

import datetime as dt

import pytest
import time_machine

from indigo.clock import at_local
from indigo.errors import ServiceError
from placement.queue import Market
from placement.services.claims import seat_claim
from placement.window.bids import bid_place, bid_withdraw, windows_open
from placement.window.models import Bid
from tests.placement.conftest import PUBLISHED, RELEASED
from tests.window.conftest import AFTER_CLOSE, CLOSE, GENERAL_CLOSE, IN_WINDOW, family
from vacancies.city_settings import city_settings_update
from vacancies.models import ClaimMode, Seat
from vacancies.protocol import protocol_publish, protocols_catch_up
from vacancies.services import seat_release


def at(moment):
    return time_machine.travel(moment, tick=False)


def test_it_fixes_the_windows_on_the_seat_at_publication_R_W_1(publish):
    [seat] = publish(1)
    seat.refresh_from_db()
    assert seat.priority_window_until == CLOSE
    assert seat.general_window_until == GENERAL_CLOSE
    assert seat.window_at(IN_WINDOW) == ("priority", PUBLISHED, CLOSE)
    assert seat.window_at(AFTER_CLOSE) is None


def test_a_mode_change_applies_only_to_seats_published_after_it_R_W_1(city, groups, officer):
    [first] = seat_release(group=groups[0], count=1, at=RELEASED)
    protocol_publish(city=city, cutoff=PUBLISHED)
    with at(at_local(dt.date(2024, 6, 3), dt.time(12, 0))):
        change = city_settings_update(
            city=city, values={"priority_mode": ClaimMode.WINDOW}, reason="Seat catchers", by=officer
        )
    assert change.after == {"priority_mode": "window"}
    first.refresh_from_db()
    assert first.priority_window_until is None
    [second] = seat_release(group=groups[0], count=1, at=at_local(dt.date(2024, 6, 3), dt.time(13, 0)))
    with at(at_local(dt.date(2024, 6, 3), dt.time(18, 5))):
        protocol = protocols_catch_up(city=city, until=at_local(dt.date(2024, 6, 3), dt.time(18, 0)))[-1]
    second.refresh_from_db()
    assert second.priority_window_until == at_local(dt.date(2024, 6, 4), dt.time(9, 0))
    assert second.general_window_until is None
    # The change is in the public protocol, with its reason.
    [entry] = protocol.entries.filter(kind="settings_change")
    assert entry.payload == {
        "before": {"priority_mode": "first_come"},
        "after": {"priority_mode": "window"},
        "reason": "Seat catchers",
    }


def test_it_places_replaces_and_withdraws_a_bid_R_W_3(city, publish, groups):
    publish(2, 1, 1)
    user, application = family(city, 1)
    with at(IN_WINDOW):
        [offer] = windows_open(market=Market.of(application), at=IN_WINDOW)
        assert offer.stage == "priority" and offer.closes_at == CLOSE
        bid_place(applications=[application], groups=[groups[1].pk, groups[0].pk], by=user)
        bid_place(applications=[application], groups=[groups[2].pk], by=user)
    [bid] = Bid.objects.all()
    assert bid.groups == [groups[2].pk]  # the last version counts, once
    with at(IN_WINDOW):
        assert bid_withdraw(application=application, by=user) == 1
    assert not Bid.objects.exists()


def test_it_locks_no_seat_and_leaves_the_queue_alone_R_W_3_R_W_6(city, publish, groups):
    seats = publish(1)
    user, application = family(city, 1)
    with at(IN_WINDOW):
        bid_place(applications=[application], groups=[groups[0].pk], by=user)
    assert Seat.objects.get(pk=seats[0].pk).state == "open"
    application.refresh_from_db()
    assert application.state == "active" and application.stop_listed_until is None


@pytest.mark.parametrize("moment", [CLOSE, AFTER_CLOSE])
def test_it_refuses_a_bid_at_or_after_the_close_R_W_3(city, publish, groups, moment):
    publish(1)
    user, application = family(city, 1)
    with at(moment), pytest.raises(ServiceError) as error:
        bid_place(applications=[application], groups=[groups[0].pk], by=user)
    assert error.value.code == "window_closed" and error.value.status == 409


def test_it_refuses_groups_without_window_seats_and_too_long_lists_R_W_3(city, publish, groups):
    publish(1, 1)
    user, application = family(city, 1)
    # Two seats in priority access: the first two children are in turn.
    with at(IN_WINDOW):
        with pytest.raises(ServiceError) as error:
            bid_place(applications=[application], groups=[groups[2].pk], by=user)
        assert error.value.code == "group_not_in_window"
        city.window_max_groups = 1
        city.save()
        application.city.window_max_groups = 1
        with pytest.raises(ServiceError) as error:
            bid_place(applications=[application], groups=[groups[0].pk, groups[1].pk], by=user)
        assert error.value.code == "bid_too_long"


def test_it_refuses_a_child_whose_turn_has_not_come_in_priority_R_W_3(city, publish, groups):
    publish(1)
    family(city, 1)
    user, second = family(city, 2)
    with at(IN_WINDOW), pytest.raises(ServiceError) as error:
        bid_place(applications=[second], groups=[groups[0].pk], by=user)
    assert error.value.code == "not_your_turn"


def test_it_refuses_another_familys_child(city, publish, groups, other_parent):
    publish(1)
    _user, application = family(city, 1)
    with at(IN_WINDOW), pytest.raises(ServiceError) as error:
        bid_place(applications=[application], groups=[groups[0].pk], by=other_parent)
    assert error.value.status == 403


def test_first_come_claims_of_window_seats_are_refused_during_the_window_R_W_2(city, publish):
    [seat] = publish(1)
    user, application = family(city, 1)
    with at(IN_WINDOW), pytest.raises(ServiceError) as error:
        seat_claim(seat=seat, application=application, by=user)
    assert error.value.code == "seat_in_window"
    assert "09:00" in error.value.detail
    # Closed but not yet allocated: still not first come.
    with at(AFTER_CLOSE), pytest.raises(ServiceError) as error:
        seat_claim(seat=seat, application=application, by=user)
    assert error.value.code == "window_allocating"


@pytest.mark.django_db
def test_the_demo_city_shows_a_decided_claim_window_R_W_1():
    from io import StringIO

    from django.core.management import call_command

    from placement.window.models import WindowAllocation
    from vacancies.models import CitySettingsChange, ProtocolNotice

    call_command("seed_demo", children=200, kindergartens=6, stdout=StringIO())
    allocation = WindowAllocation.objects.get()
    assert allocation.bids >= 2 and allocation.record["bids"]
    assert ProtocolNotice.objects.filter(kind="window_allocation").count() == 1
    reasons = set(CitySettingsChange.objects.values_list("reason", flat=True))
    assert any("claim window" in reason for reason in reasons)
    # The demo parents' children keep waiting: their cabinets show the claim of the first-come seats.
    from placement.models import Referral

    assert not Referral.objects.filter(child__representative_links__user__username__in=["parent", "parent2"]).exists()
    assert Referral.objects.filter(seat__events__data__window=allocation.window.key).count() == allocation.placed


def test_a_bid_is_written_with_its_audit_entry_in_one_statement_R_A_4_R_W_3(city, publish, groups):
    from accounts.models import AuditLog

    publish(1, 1)
    user, application = family(city, 1)
    with at(IN_WINDOW):
        [bid] = bid_place(applications=[application], groups=[groups[1].pk, groups[0].pk], by=user)
    [entry] = AuditLog.objects.filter(action="bid.place")
    assert entry.actor_id == user.pk and entry.city_id == application.city_id
    assert entry.object_id == str(application.pk) and entry.at == bid.updated_at
    assert entry.data == {"window": bid.window.key, "applications": [application.pk], "groups": bid.groups}
