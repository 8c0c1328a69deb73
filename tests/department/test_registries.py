"""Kindergarten and group registries: scoped to the city, and safe for the seats already released."""

import pytest

from indigo.errors import Conflict, NotAllowed, ServiceError
from tests.factories import DistrictFactory, GroupFactory
from vacancies.models import Kindergarten
from vacancies.registry_services import group_save, kindergarten_save
from vacancies.services import seat_release


def values(kindergarten, **changes):
    data = {
        field: getattr(kindergarten, field)
        for field in ("number", "name_kk", "name_ru", "name_en", "district", "ownership", "address_kk", "address_ru")
    }
    data.update({"phone": "", "state_order_places": 0, "is_active": True})
    data.update(changes)
    return data


def test_it_turns_a_kindergarten_private_with_state_order_places(city, officer, kindergarten_a):
    saved = kindergarten_save(
        city=city,
        kindergarten=kindergarten_a,
        values=values(kindergarten_a, ownership="private", state_order_places=40),
        by=officer,
    )
    assert (saved.ownership, saved.state_order_places) == ("private", 40)


def test_it_refuses_state_order_places_in_a_state_kindergarten(city, officer, kindergarten_a):
    with pytest.raises(ServiceError) as refused:
        kindergarten_save(
            city=city, kindergarten=kindergarten_a, values=values(kindergarten_a, state_order_places=5), by=officer
        )
    assert refused.value.code == "state_order_private_only"


def test_it_refuses_a_district_of_another_city(city, officer, kindergarten_a, other_city):
    with pytest.raises(ServiceError):
        kindergarten_save(
            city=city,
            kindergarten=kindergarten_a,
            values=values(kindergarten_a, district=DistrictFactory(city=other_city)),
            by=officer,
        )


def test_it_adds_a_kindergarten(city, officer, kindergarten_a):
    new = kindergarten_save(
        city=city,
        values=values(kindergarten_a, number=77, name_kk="№77 балабақша", name_ru="Детский сад №77", name_en=""),
        by=officer,
    )
    assert Kindergarten.objects.filter(city=city, pk=new.pk, number=77).exists()


def test_it_keeps_capacity_above_the_places_held(officer, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, capacity=10, cohort=2021)
    seat_release(group=group, count=4)
    with pytest.raises(Conflict) as refused:
        group_save(kindergarten=kindergarten_a, group=group, values={"capacity": 3}, by=officer)
    assert refused.value.code == "capacity_below_held"
    saved = group_save(kindergarten=kindergarten_a, group=group, values={"capacity": 4}, by=officer)
    assert saved.capacity == 4


def test_it_keeps_the_market_of_a_group_with_released_seats(officer, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, capacity=10, cohort=2021)
    seat_release(group=group, count=1)
    with pytest.raises(Conflict) as refused:
        group_save(kindergarten=kindergarten_a, group=group, values={"language": "ru"}, by=officer)
    assert refused.value.code == "group_has_seats"


def test_it_refuses_an_officer_of_another_city(kindergarten_a, outsider):
    with pytest.raises(NotAllowed):
        group_save(
            kindergarten=kindergarten_a,
            values={"name": "New", "cohort": 2021, "language": "kk", "group_type": "general", "capacity": 20},
            by=outsider,
        )
