"""R-Q-3: the parent sees the position now and at the previous protocol, and why it moved."""

import datetime as dt

import time_machine

from indigo.clock import at_local
from placement.models import Application, Privilege, PrivilegeCategory
from placement.queue import position_report
from placement.services import seat_claim
from tests.factories import ApplicationFactory, ChildFactory, PrivilegeCategoryFactory
from tests.placement.conftest import family
from vacancies.protocol import protocol_publish


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
    protocol_publish(city=city, cutoff=at_local(dt.date(2024, 5, 31), dt.time(18)))
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
