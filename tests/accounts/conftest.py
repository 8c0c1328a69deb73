"""Helpers for the accounts tests: children linked to the named parents, adult IINs, a seat in a group."""

import datetime as dt

import pytest

from accounts.models import RepresentativeLink
from indigo.clock import at_local
from tests.factories import ApplicationFactory, ChildFactory, GroupFactory, valid_iin
from vacancies.models import Seat


def adult_iin(sex: str = "F") -> str:
    return valid_iin(dt.date(1991, 4, 12), sex)


def link(user, child, relation=RepresentativeLink.Relation.PARENT, state=RepresentativeLink.State.VERIFIED, city=None):
    return RepresentativeLink.objects.create(user=user, child=child, relation=relation, state=state, city=city)


def open_seat(group, at=None):
    moment = at or at_local(dt.date(2024, 6, 3), dt.time(10, 0))
    return Seat.objects.create(
        group=group,
        state=Seat.State.OPEN,
        released_at=moment,
        published_at=moment,
        priority_from=moment,
        general_from=moment + dt.timedelta(days=3),
    )


@pytest.fixture
def child(parent, city):
    """The parent's verified child, with an active application in the city."""
    kid = ChildFactory(last_name="Серікова", first_name="Айша", birth_date=dt.date(2021, 3, 15), sex="F")
    link(parent, kid, city=city)
    ApplicationFactory(child=kid, city=city, reference="TMT-000001", cohort=2021)
    return kid


@pytest.fixture
def application(child):
    return child.applications.get()


@pytest.fixture
def other_child(other_parent, city):
    kid = ChildFactory(last_name="Болатов", first_name="Ерасыл", birth_date=dt.date(2020, 7, 1))
    link(other_parent, kid, city=city)
    ApplicationFactory(child=kid, city=city, reference="TMT-000002", cohort=2020)
    return kid


@pytest.fixture
def group_a(kindergarten_a):
    return GroupFactory(kindergarten=kindergarten_a, cohort=2021, capacity=10, name="Балапан")


@pytest.fixture
def group_b(kindergarten_b):
    return GroupFactory(kindergarten=kindergarten_b, cohort=2021, capacity=10, name="Айгөлек")
