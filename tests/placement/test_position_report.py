"""R-Q-3: the parent sees the position now and at the previous protocol, and why it moved."""

import datetime as dt

import time_machine

from indigo.clock import at_local
from placement.day_close import day_close
from placement.models import Application, Privilege, PrivilegeCategory
from placement.queue import position_report, position_report_ranked
from placement.services import referrals_expire_due, seat_claim
from placement.services.applications import application_withdraw
from placement.services.privileges import privilege_reject
from tests.factories import ApplicationFactory, ChildFactory, PrivilegeCategoryFactory
from tests.placement.conftest import family


def test_it_explains_a_move_since_the_previous_protocol(city, open_seats):
    seats = open_seats(1)  # publishes the protocol of Fri 31 May 2024
    families = [family(city, n) for n in range(1, 6)]
    mine = families[4][1]
    # After the protocol: the first child is placed, the second withdraws, a serviceman's child applies.
    with time_machine.travel(at_local(dt.date(2024, 6, 3), dt.time(10)), tick=False):
        seat_claim(seat=seats[0], application=families[0][1], by=families[0][0])
    Application.objects.filter(pk=families[1][1].pk).update(
        state="withdrawn", closed_at=at_local(dt.date(2024, 6, 3), dt.time(11))
    )
    newcomer = ApplicationFactory(city=city, child=ChildFactory(), filed_at=at_local(dt.date(2024, 6, 3), dt.time(12)))
    category = PrivilegeCategoryFactory(city=city, code="military", tier=PrivilegeCategory.Tier.EXTRAORDINARY)
    Privilege.objects.create(application=newcomer, category=category, evidence="x", claimed_at=newcomer.filed_at)

    report = position_report(application=mine, at=at_local(dt.date(2024, 6, 3), dt.time(15)))
    assert report.then == 5
    assert report.now == 4
    assert report.reasons == {"placed": 1, "removed": 1, "new_extraordinary": 1}


def test_it_has_no_comparison_before_the_first_protocol(city):
    _user, application = family(city, 1)
    report = position_report(application=application, at=at_local(dt.date(2024, 6, 3), dt.time(15)))
    assert (report.now, report.then, report.reasons) == (1, None, {})


def test_it_sees_a_privilege_granted_to_a_child_behind(city, kindergarten_a):
    day_close(city=city, cutoff=at_local(dt.date(2024, 5, 31), dt.time(18)))
    families = [family(city, n) for n in range(1, 7)]
    mine = families[2][1]
    category = PrivilegeCategoryFactory(city=city)
    Privilege.objects.create(
        application=families[5][1],
        category=category,
        evidence="x",
        claimed_at=at_local(dt.date(2024, 6, 3), dt.time(9)),
    )
    report = position_report(application=mine, at=at_local(dt.date(2024, 6, 3), dt.time(15)))
    assert (report.then, report.now) == (3, 4)
    assert report.reasons == {"privilege_granted": 1}


# --- Issue 12 item 5: every reason shown is something that happened -----------------------------------

MONDAY = at_local(dt.date(2024, 6, 3), dt.time(15))


def both_reports(application, at):
    """The fast report (PostgreSQL) and the definition it must equal, checked to agree."""
    application = Application.objects.select_related("city").get(pk=application.pk)
    fast = position_report(application=application, at=at)
    assert fast == position_report_ranked(application=application, at=at)
    return fast


def test_issue12_it_says_nothing_of_children_ahead_after_the_childs_own_claim(city, open_seats):
    seats = open_seats(1)
    families = [family(city, n) for n in range(1, 5)]
    user, mine = families[0]
    # The claim is the only thing that happens; before, every child behind was "a child ahead who lost
    # its privilege" for a child no longer in the queue at all.
    with time_machine.travel(at_local(dt.date(2024, 6, 3), dt.time(10)), tick=False):
        seat_claim(seat=seats[0], application=mine, by=user)
    report = both_reports(mine, MONDAY)
    assert (report.then, report.now, report.reasons) == (1, None, {})
    # The child behind sees exactly one reason: the child ahead received a referral.
    assert both_reports(families[1][1], MONDAY).reasons == {"placed": 1}


def test_issue12_it_explains_an_expiry_to_the_child_back_and_to_the_child_behind(city, open_seats):
    seats = open_seats(1)
    families = [family(city, n) for n in range(1, 4)]
    user, first = families[0]
    with time_machine.travel(at_local(dt.date(2024, 6, 3), dt.time(10)), tick=False):
        seat_claim(seat=seats[0], application=first, by=user)
    day_close(city=city, cutoff=at_local(dt.date(2024, 6, 4), dt.time(18)))
    referrals_expire_due(city=city, until=at_local(dt.date(2024, 6, 20), dt.time(18)))
    later = at_local(dt.date(2024, 6, 21), dt.time(10))
    # It was not in the queue at the protocol (its referral was issued) and is back in its old place.
    assert both_reports(first, later).reasons == {"own_returned": 1}
    assert both_reports(first, later).now == 1
    second = both_reports(families[1][1], later)
    assert (second.then, second.now, second.reasons) == (1, 2, {"returned": 1})


def test_issue12_it_explains_a_privilege_rejected_to_both_sides(city, kindergarten_a):
    category = PrivilegeCategoryFactory(city=city)
    families = [family(city, n) for n in range(1, 6)]
    late_user, late = family(city, 6)
    privilege = Privilege.objects.create(application=late, category=category, evidence="x", claimed_at=late.filed_at)
    day_close(city=city, cutoff=at_local(dt.date(2024, 5, 31), dt.time(18)))
    with time_machine.travel(at_local(dt.date(2024, 6, 3), dt.time(9)), tick=False):
        privilege_reject(privilege=privilege, reason="no document")
    mine = both_reports(families[4][1], MONDAY)
    assert (mine.then, mine.now, mine.reasons) == (6, 5, {"privilege_removed": 1})
    theirs = both_reports(late, MONDAY)
    # Its own privilege went; the five children now ahead are not five separate events.
    assert (theirs.then, theirs.now, theirs.reasons) == (1, 6, {"own_privilege_removed": 1})


def test_issue12_it_explains_the_childs_own_privilege_granted(city, kindergarten_a):
    day_close(city=city, cutoff=at_local(dt.date(2024, 5, 31), dt.time(18)))
    families = [family(city, n) for n in range(1, 7)]
    mine = families[5][1]
    category = PrivilegeCategoryFactory(city=city)
    Privilege.objects.create(
        application=mine, category=category, evidence="x", claimed_at=at_local(dt.date(2024, 6, 3), dt.time(9))
    )
    report = both_reports(mine, MONDAY)
    assert (report.then, report.now, report.reasons) == (6, 1, {"own_privilege_granted": 1})


def test_issue12_it_explains_a_withdrawal_ahead(city, kindergarten_a):
    day_close(city=city, cutoff=at_local(dt.date(2024, 5, 31), dt.time(18)))
    families = [family(city, n) for n in range(1, 4)]
    user, leaving = families[0]
    with time_machine.travel(at_local(dt.date(2024, 6, 3), dt.time(9)), tick=False):
        application_withdraw(application=leaving, by=user)
    report = both_reports(families[2][1], MONDAY)
    assert (report.then, report.now, report.reasons) == (3, 2, {"removed": 1})


def test_issue12_a_privileged_child_passed_by_the_turn_taking_did_not_lose_its_privilege(city, open_seats):
    """1 : 3 — p1, g1, g2, g3, p2, g4. When g1 is placed, g4 moves into the first cycle and p2, still
    privileged, stands after it: the old report called p2 "a child ahead who lost a privilege"."""
    seats = open_seats(2)  # g1 is second in the queue
    category = PrivilegeCategoryFactory(city=city)
    generals = [family(city, n) for n in range(1, 5)]
    for n in (20, 21):
        _user, privileged = family(city, n)
        Privilege.objects.create(
            application=privileged, category=category, evidence="x", claimed_at=privileged.filed_at
        )
    user, first = generals[0]
    with time_machine.travel(at_local(dt.date(2024, 6, 3), dt.time(10)), tick=False):
        seat_claim(seat=seats[0], application=first, by=user)
    report = both_reports(generals[3][1], MONDAY)
    assert (report.then, report.now) == (6, 4)
    assert report.reasons == {"placed": 1, "order_behind": 1}


def test_issue12_the_cabinet_shows_no_queue_state_beside_an_issued_referral(client, city, open_seats):
    seats = open_seats(1)
    user, mine = family(city, 1)
    with time_machine.travel(at_local(dt.date(2024, 6, 3), dt.time(10)), tick=False):
        seat_claim(seat=seats[0], application=mine, by=user)
    client.force_login(user)
    with time_machine.travel(MONDAY, tick=False):
        page = client.get("/en/cabinet/").content.decode()
    assert "Not waiting in the queue now" in page
    assert "in the queue</h3>" not in page
    assert "lost a privilege" not in page
    # Not "no seat is open": the referral is why nothing can be claimed.
    assert "you cannot claim another seat for this child" in page and "No seat is open" not in page
