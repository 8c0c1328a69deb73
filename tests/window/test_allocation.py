"""R-W-4, R-W-5, R-W-6: the allocation at the close, by queue order, and what it publishes."""

import datetime as dt

import pytest
import time_machine

from indigo.errors import ServiceError
from placement.models import Privilege, PrivilegeCategory, Referral
from placement.queue import queue_position
from placement.services.claims import seat_claim
from placement.window.allocation import window_allocate, windows_allocate_due
from placement.window.bids import bid_place
from placement.window.models import ClaimWindow, WindowAllocation
from placement.window.record import record_differences
from tests.factories import PrivilegeCategoryFactory
from tests.window.conftest import AFTER_CLOSE, CLOSE, GENERAL_CLOSE, IN_WINDOW, family
from vacancies.models import ProtocolNotice, Seat, SeatEvent


def bid(user, applications, groups, when=IN_WINDOW):
    with time_machine.travel(when, tick=False):
        return bid_place(applications=applications, groups=[g.pk for g in groups], by=user)


def allocate(when=AFTER_CLOSE):
    with time_machine.travel(when, tick=False):
        return windows_allocate_due()


def test_it_gives_each_child_its_highest_listed_group_in_queue_order_R_W_4(city, publish, groups):
    publish(1, 1)
    user1, first = family(city, 1)
    user2, second = family(city, 2)
    # The second child bids first, and for the group the first child prefers: when it bid changes nothing.
    bid(user2, [second], [groups[0], groups[1]], when=IN_WINDOW - dt.timedelta(hours=2))
    bid(user1, [first], [groups[0], groups[1]])
    [allocation] = allocate()
    got = {r.application_id: r.seat.group_id for r in Referral.objects.select_related("seat")}
    assert got == {first.pk: groups[0].pk, second.pk: groups[1].pk}
    assert allocation.placed == 2 and allocation.bids == 2
    event = SeatEvent.objects.get(kind="claimed", seat__group=groups[0])
    assert event.data["window"] == allocation.window.key and event.data["position"] == 1
    assert record_differences(allocation.record) == []


def test_it_judges_the_turn_again_at_the_close_R_W_3(city, publish, groups):
    seats = publish(1)
    user1, first = family(city, 1)
    bid(user1, [first], [groups[0]])
    # Before the close the seat is withdrawn and a new one... the market has no seat left in priority.
    from vacancies.services import seat_withdraw

    with time_machine.travel(IN_WINDOW + dt.timedelta(hours=1), tick=False):
        seat_withdraw(seat=seats[0], reason="repairs")
    assert allocate() == []  # no open window seat left: nothing is due, nothing is given
    assert not Referral.objects.exists()


def twins(city, user, n: int):
    """A second child of `user`'s family, born the same day, filed a minute after the n-th."""
    from accounts.models import RepresentativeLink
    from tests.factories import ApplicationFactory, ChildFactory
    from tests.placement.conftest import FILED

    twin = ChildFactory(birth_date=dt.date(2021, 3, 15))
    RepresentativeLink.objects.create(user=user, child=twin, relation="parent", state="verified")
    return ApplicationFactory(city=city, child=twin, filed_at=FILED + dt.timedelta(minutes=n, seconds=30))


def test_twins_get_two_seats_of_one_group_R_W_4(city, publish, groups):
    publish(1, 2)
    user, elder = family(city, 1)
    younger = twins(city, user, 1)
    with time_machine.travel(IN_WINDOW, tick=False), pytest.raises(ServiceError) as error:
        bid_place(applications=[elder, younger], groups=[groups[0].pk], by=user)
    assert error.value.code == "twins_need_two"
    bid(user, [elder, younger], [groups[1]])
    [allocation] = allocate()
    referrals = list(Referral.objects.select_related("seat"))
    assert {r.seat.group_id for r in referrals} == {groups[1].pk}
    assert {r.application_id for r in referrals} == {elder.pk, younger.pk}
    assert len({r.batch for r in referrals}) == 1
    [family_bid] = allocation.record["bids"]
    assert family_bid["rank"] == 1 and family_bid["result"] == groups[1].pk
    assert record_differences(allocation.record) == []


def test_twins_get_none_when_one_seat_is_left_at_their_place_R_W_4(city, publish, groups):
    publish(0, 2, 1)
    user1, first = family(city, 1)
    user, elder = family(city, 2)
    younger = twins(city, user, 2)
    bid(user1, [first], [groups[1]])
    bid(user, [elder, younger], [groups[1]])
    [allocation] = allocate()
    assert list(Referral.objects.values_list("application_id", flat=True)) == [first.pk]
    twins_bid = next(b for b in allocation.record["bids"] if len(b["applications"]) == 2)
    assert twins_bid["rank"] == 2 and twins_bid["result"] is None
    assert allocation.record["last_rank"][str(groups[1].pk)] is None  # one seat was left over


def test_a_child_without_a_seat_keeps_its_place_and_is_not_stop_listed_R_W_6(city, publish, groups):
    publish(1, 1)
    user1, first = family(city, 1)
    user2, second = family(city, 2)
    bid(user1, [first], [groups[0]])
    bid(user2, [second], [groups[0]])
    with time_machine.travel(CLOSE - dt.timedelta(minutes=1), tick=False):
        before = queue_position(application=second)
    [allocation] = allocate()
    second.refresh_from_db()
    assert second.state == "active" and second.stop_listed_until is None
    with time_machine.travel(AFTER_CLOSE, tick=False):
        assert queue_position(application=second) == before - 1  # only the placed child ahead left
    assert allocation.record["last_rank"][str(groups[0].pk)] == 1


def test_leftover_seats_become_first_come_after_the_allocation_R_W_2(city, publish, groups):
    seats = publish(2)
    user1, first = family(city, 1)
    user2, second = family(city, 2)
    bid(user1, [first], [groups[0]])
    allocate()
    left = next(seat for seat in Seat.objects.filter(pk__in=[s.pk for s in seats], state="open"))
    with time_machine.travel(AFTER_CLOSE + dt.timedelta(minutes=5), tick=False):
        assert seat_claim(seat=left, application=second, by=user2).state == "issued"


def test_it_allocates_once_when_run_twice_R_W_4(city, publish, groups):
    publish(1)
    user, application = family(city, 1)
    bid(user, [application], [groups[0]])
    [allocation] = allocate()
    assert allocate() == []
    window = ClaimWindow.objects.get()
    with time_machine.travel(AFTER_CLOSE, tick=False):
        assert window_allocate(window=window).pk == allocation.pk
    assert Referral.objects.count() == 1 and WindowAllocation.objects.count() == 1
    assert ProtocolNotice.objects.count() == 1


def test_it_refuses_to_allocate_before_the_close(city, publish, groups):
    publish(1)
    user, application = family(city, 1)
    bid(user, [application], [groups[0]])
    with time_machine.travel(CLOSE - dt.timedelta(seconds=1), tick=False):
        assert windows_allocate_due() == []
        with pytest.raises(ValueError):
            window_allocate(window=ClaimWindow.objects.get())


def test_it_leaves_nothing_when_the_run_crashes_half_way_R_W_4(city, publish, groups, monkeypatch):
    publish(1, 1)
    user1, first = family(city, 1)
    user2, second = family(city, 2)
    bid(user1, [first], [groups[0]])
    bid(user2, [second], [groups[1]])

    def crash(**kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(ProtocolNotice.objects, "create", crash)
    with pytest.raises(RuntimeError):
        allocate()
    monkeypatch.undo()
    assert not Referral.objects.exists() and not WindowAllocation.objects.exists()
    assert set(Seat.objects.values_list("state", flat=True)) == {"open"}
    [allocation] = allocate()
    assert allocation.placed == 2


def test_a_late_run_ranks_as_of_the_close_R_W_4(city, publish, groups):
    """Run six hours late (downtime): a privilege granted after the close does not move anyone ahead."""
    publish(1)
    user1, first = family(city, 1)
    user2, second = family(city, 2)
    bid(user1, [first], [groups[0]])
    category = PrivilegeCategoryFactory(city=city, tier=PrivilegeCategory.Tier.FIRST)
    Privilege.objects.create(
        application=second,
        category=category,
        evidence="No. 1",
        state="confirmed",
        claimed_at=CLOSE + dt.timedelta(hours=1),
        decided_at=CLOSE + dt.timedelta(hours=1),
    )
    late = CLOSE + dt.timedelta(hours=6)
    [allocation] = allocate(when=late)
    referral = Referral.objects.get()
    assert referral.application_id == first.pk and referral.issued_at == late
    assert allocation.record["bids"][0]["rank"] == 1


def test_a_child_stop_listed_before_the_close_gets_nothing_R_W_4(city, publish, groups):
    publish(1)
    user1, first = family(city, 1)
    bid(user1, [first], [groups[0]])
    first.stop_listed_until = CLOSE + dt.timedelta(days=3)
    first.save()
    [allocation] = allocate()
    assert not Referral.objects.exists()
    assert allocation.record["bids"][0]["eligible"] is False
    assert record_differences(allocation.record) == []


def test_the_general_window_allocates_any_rank_R_W_4(city, publish, groups):
    seats = publish(1)
    family(city, 1)
    user2, second = family(city, 2)
    # Nobody bid in priority; the seat reaches general access in its window.
    allocate()
    with time_machine.travel(GENERAL_CLOSE - dt.timedelta(hours=3), tick=False):
        bid_place(applications=[second], groups=[groups[0].pk], by=user2)
    [allocation] = allocate(when=GENERAL_CLOSE + dt.timedelta(seconds=5))
    assert allocation.window.stage == "general" and allocation.record["turn_limit"] is None
    assert Referral.objects.get().seat_id == seats[0].pk


def test_it_sends_the_referral_sms_and_tells_the_others_R_W_4(
    city, publish, groups, outbox, eager_celery, django_capture_on_commit_callbacks
):
    publish(1, 1)
    user1, first = family(city, 1)
    user2, second = family(city, 2)
    user2.language = "en"
    user2.save()
    bid(user1, [first], [groups[0]])
    bid(user2, [second], [groups[0]])
    with django_capture_on_commit_callbacks(execute=True):
        allocate()
    texts = {message.to: message.body for message in outbox}
    assert Referral.objects.get().number in texts[user1.phone]
    assert "place in the queue is kept" in texts[user2.phone]


def test_a_retried_word_to_the_unplaced_sends_nothing_twice_R_W_6(city, publish, groups, outbox):
    from placement.window.tasks import notify_window_unplaced

    publish(1, 1)  # two seats: both children in turn, both list the first group only
    user1, first = family(city, 1)
    user2, second = family(city, 2)
    bid(user1, [first], [groups[0]])
    bid(user2, [second], [groups[0]])
    [allocation] = allocate()
    outbox.clear()
    # ACKS_LATE: the same task delivered again after a worker died must not text the family twice.
    assert notify_window_unplaced(allocation.pk, [second.pk]) == 1
    assert notify_window_unplaced(allocation.pk, [second.pk]) == 0
    assert [message.to for message in outbox] == [user2.phone]
