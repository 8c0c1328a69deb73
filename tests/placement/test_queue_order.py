"""R-Q-2: extraordinary first, then first-priority and general interleaved 1:3, by filing time then id."""

import datetime as dt

import pytest

from indigo.clock import at_local
from placement.models import Privilege, PrivilegeCategory
from placement.queue import Market, Scope, queue_ordered, queue_position
from tests.factories import ApplicationFactory, ChildFactory, PrivilegeCategoryFactory

START = at_local(dt.date(2022, 1, 10), dt.time(9, 0))


def build(city, spec: str, *, same_time: bool = False):
    """One application per letter, filed in order: E extraordinary, P first priority, G general."""
    extraordinary = PrivilegeCategoryFactory(city=city, code="military", tier=PrivilegeCategory.Tier.EXTRAORDINARY)
    first = PrivilegeCategoryFactory(city=city, code="large_family", tier=PrivilegeCategory.Tier.FIRST)
    names = []
    counters = {"E": 0, "P": 0, "G": 0}
    for index, letter in enumerate(spec):
        counters[letter] += 1
        filed = START if same_time else START + dt.timedelta(days=index)
        application = ApplicationFactory(city=city, child=ChildFactory(), filed_at=filed)
        category = {"E": extraordinary, "P": first}.get(letter)
        if category:
            Privilege.objects.create(
                application=application,
                category=category,
                evidence="doc",
                claimed_at=filed,
                state=Privilege.State.CONFIRMED,
                decided_at=filed,
            )
        names.append((application.pk, f"{letter}{counters[letter]}"))
    return dict(names)


def order(city, names):
    market = Market(city.pk, 2021, "kk", "general")
    return [names[pk] for pk, _tier, _position in queue_ordered(market=market, city=city)]


@pytest.mark.parametrize(
    ("filed", "expected"),
    [
        ("GGGGPP", "P1 G1 G2 G3 P2 G4"),
        ("GGGGGGGP", "P1 G1 G2 G3 G4 G5 G6 G7"),
        ("PPPPG", "P1 G1 P2 P3 P4"),
        ("GGEGPGE", "E1 E2 P1 G1 G2 G3 G4"),
        ("GGGGGGGGPPP", "P1 G1 G2 G3 P2 G4 G5 G6 P3 G7 G8"),
        ("EEE", "E1 E2 E3"),
        ("", ""),
    ],
)
def test_it_interleaves_one_privileged_with_three_general(city, filed, expected):
    names = build(city, filed)
    assert " ".join(order(city, names)) == expected


def test_it_follows_the_citys_ratio(city):
    city.interleave_privileged, city.interleave_general = 2, 1
    city.save()
    names = build(city, "GGGPPPP")
    assert " ".join(order(city, names)) == "P1 P2 G1 P3 P4 G2 G3"


def test_it_breaks_filing_time_ties_by_id(city):
    names = build(city, "GGPG", same_time=True)
    assert " ".join(order(city, names)) == "P1 G1 G2 G3"


def test_it_ignores_rejected_and_expired_privileges(city):
    names = build(city, "GGGP")
    privilege = Privilege.objects.get()
    privilege.expires_on = dt.date(2020, 1, 1)
    privilege.save()
    assert " ".join(order(city, names)) == "G1 G2 G3 P1"


def test_it_gives_one_applicants_position_in_one_query(city, django_assert_num_queries):
    names = build(city, "GGPGG")
    last = next(pk for pk, name in names.items() if name == "G4")
    from placement.models import Application

    application = Application.objects.select_related("city").get(pk=last)
    with django_assert_num_queries(1):
        assert queue_position(application=application) == 5


def test_it_leaves_stop_listed_children_out_of_the_eligible_queue_only(city):
    from placement.models import Application

    names = build(city, "GGG")
    first = next(pk for pk, name in names.items() if name == "G1")
    Application.objects.filter(pk=first).update(stop_listed_until=START + dt.timedelta(days=3650))
    third = Application.objects.select_related("city").get(pk=next(pk for pk, n in names.items() if n == "G3"))
    assert queue_position(application=third) == 3
    assert queue_position(application=third, scope=Scope.ELIGIBLE) == 2
