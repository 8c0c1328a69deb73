"""The vacancy registry's rows, order, filters, totals and pages (RegistryApi and the registry page).

The registry is read in two steps (the page's ids on the sort keys, then its rows) for speed at city
scale; these tests pin what it shows against a plain Python reading of the same seats.
"""

import datetime as dt
import itertools
import re

import pytest
import time_machine
from rest_framework import serializers
from rest_framework.test import APIClient

from tests.factories import DistrictFactory, GroupFactory, KindergartenFactory
from tests.vacancies.helpers import D, local
from vacancies.api import SeatOutput
from vacancies.models import Seat

NOW = local(D(2024, 6, 5), 10)
HOUR = dt.timedelta(hours=1)
PAGE_SIZE = 50


def _windows(stage: str) -> dict:
    """Access times that put an open seat in this stage at NOW."""
    if stage == "general":
        return {"priority_from": NOW - 72 * HOUR, "general_from": NOW - HOUR, "priority_until": D(2024, 6, 4)}
    if stage == "priority":
        return {"priority_from": NOW - 2 * HOUR, "general_from": NOW + 48 * HOUR, "priority_until": D(2024, 6, 6)}
    if stage == "scheduled":
        return {"priority_from": NOW + 24 * HOUR, "general_from": NOW + 96 * HOUR, "priority_until": D(2024, 6, 8)}
    return {"priority_from": None, "general_from": NOW + 24 * HOUR, "priority_until": None}  # no stage at all


@pytest.fixture
def registry(city, other_city):
    """Open seats over kindergartens numbered out of order (one without a number, two with the same one),
    cohorts, languages and group types, in every stage; other states and another city's seats around them."""
    north, south = DistrictFactory(city=city, name_ru="Северный"), DistrictFactory(city=city, name_ru="Южный")
    kindergartens = [
        KindergartenFactory(district=north, number=7, name_ru="Ясли-сад №7"),
        KindergartenFactory(district=south, number=2, name_ru="Ясли-сад №2"),
        KindergartenFactory(district=north, number=None, name_ru="Частный сад «Айналайын»"),
        KindergartenFactory(district=south, number=2, name_ru="Ясли-сад №2 (филиал)"),
        KindergartenFactory(district=south, number=11, name_ru="Ясли-сад №11"),
    ]
    offers = [(2021, "kk", "general"), (2019, "ru", "speech"), (2020, "kk", "general"), (2021, "ru", "general")]
    groups = [
        GroupFactory(kindergarten=kindergarten, cohort=cohort, language=language, group_type=group_type)
        for kindergarten, (cohort, language, group_type) in zip(
            [k for k in kindergartens for _ in range(3)], itertools.cycle(offers), strict=False
        )
    ]
    elsewhere = GroupFactory(kindergarten=KindergartenFactory(district=DistrictFactory(city=other_city), number=1))
    stages = itertools.cycle(["general", "priority", "general", "scheduled", "priority", None])
    seats = []
    for round_ in range(9):  # round-robin, so a group's seat ids are not consecutive
        for group in [*groups, elsewhere]:
            state = Seat.State.OPEN if round_ != 2 else Seat.State.CLAIMED
            seats.append(
                Seat(group=group, state=state, released_at=NOW - 300 * HOUR, published_at=NOW - 100 * HOUR,
                     **_windows(next(stages)))
            )  # fmt: skip
    for group in groups[:4]:
        seats.append(Seat(group=group, state=Seat.State.RELEASED, released_at=NOW - HOUR))
        seats.append(Seat(group=group, state=Seat.State.WITHDRAWN, released_at=NOW - 9 * HOUR, withdrawn_at=NOW))
    Seat.objects.bulk_create(seats)
    return {"city": city, "districts": (north, south), "kindergartens": kindergartens}


def _stage(seat: Seat) -> str | None:
    if seat.general_from <= NOW:
        return "general"
    if seat.priority_from is not None and seat.priority_from <= NOW:
        return "priority"
    if seat.priority_from is not None:
        return "scheduled"
    return None


def _expected(city, keep=lambda seat: True) -> list[int]:
    """The registry by its definition: open seats of the city, by kindergarten number (those without one
    last), kindergarten, cohort, group and seat."""
    seats = Seat.objects.filter(state=Seat.State.OPEN, group__kindergarten__city=city).select_related(
        "group__kindergarten"
    )
    chosen = [seat for seat in seats if keep(seat)]
    chosen.sort(
        key=lambda s: (
            s.group.kindergarten.number is None,
            s.group.kindergarten.number or 0,
            s.group.kindergarten_id,
            s.group.cohort,
            s.group_id,
            s.pk,
        )
    )
    return [seat.pk for seat in chosen]


def _api_pages(query: dict) -> tuple[int, list[dict]]:
    api, results, page, count = APIClient(), [], 1, None
    with time_machine.travel(NOW, tick=False):
        while True:
            response = api.get("/api/v1/vacancies/", {**query, "page": page})
            assert response.status_code == 200, response.content
            body = response.json()
            assert count in (None, body["count"])
            count = body["count"]
            results += body["results"]
            if not body["next"]:
                return count, results
            page += 1


def _filters(registry) -> dict:
    north, _ = registry["districts"]
    kindergarten = registry["kindergartens"][1]
    return {
        "everything": ({}, lambda s: True),
        "district": ({"district": north.pk}, lambda s: s.group.kindergarten.district_id == north.pk),
        "kindergarten": ({"kindergarten": kindergarten.pk}, lambda s: s.group.kindergarten_id == kindergarten.pk),
        "cohort": ({"cohort": 2021}, lambda s: s.group.cohort == 2021),
        "language": ({"language": "ru"}, lambda s: s.group.language == "ru"),
        "group type": ({"group_type": "speech"}, lambda s: s.group.group_type == "speech"),
        "general": ({"stage": "general"}, lambda s: _stage(s) == "general"),
        "priority": ({"stage": "priority"}, lambda s: _stage(s) == "priority"),
        "scheduled": ({"stage": "scheduled"}, lambda s: _stage(s) == "scheduled"),
        "all at once": (
            {"district": north.pk, "cohort": 2021, "language": "kk", "group_type": "general", "stage": "priority"},
            lambda s: (
                (s.group.kindergarten.district_id, s.group.cohort, s.group.language, s.group.group_type)
                == (north.pk, 2021, "kk", "general")
                and _stage(s) == "priority"
            ),
        ),
    }


FILTERS = ["everything", "district", "kindergarten", "cohort", "language", "group type", "general", "priority",
           "scheduled", "all at once"]  # fmt: skip


@pytest.mark.parametrize("name", FILTERS)
def test_the_api_lists_exactly_the_filtered_open_seats_in_registry_order(registry, name):
    query, keep = _filters(registry)[name]
    expected = _expected(registry["city"], keep)
    count, results = _api_pages({"city": registry["city"].slug, **query})
    assert count == len(expected)
    assert [row["id"] for row in results] == expected
    if name == "everything":
        assert count > 2 * PAGE_SIZE  # the pages themselves are tested, not only the first one
    by_id = {seat.pk: seat for seat in Seat.objects.filter(pk__in=expected)}
    assert all(row["stage"] == _stage(by_id[row["id"]]) for row in results)


def _expected_batches(city, keep=lambda seat: True) -> list[tuple[int, int]]:
    """The page's rows by definition (issue 12): the expected seats gathered per group and access times,
    as (group, number of seats), in registry order and then by opening."""
    seats = Seat.objects.filter(pk__in=_expected(city, keep)).select_related("group__kindergarten")
    counts: dict[tuple, int] = {}
    for seat in seats:
        key = (seat.group_id, seat.priority_from, seat.general_from, seat.priority_until)
        counts[key] = counts.get(key, 0) + 1
    never = dt.datetime.max.replace(tzinfo=dt.UTC)
    groups = {seat.group_id: seat.group for seat in seats}

    def order(key):
        group = groups[key[0]]
        number = group.kindergarten.number
        return (number is None, number or 0, group.kindergarten_id, group.cohort, key[0], key[1] or never, key[2])

    return [(key[0], counts[key]) for key in sorted(counts, key=order)]


def _page_rows(content: bytes) -> list[tuple[int, int]]:
    return [(int(g), int(n)) for g, n in re.findall(rb'data-group="(\d+)" data-seats="(\d+)"', content)]


@pytest.mark.parametrize("name", ["everything", "district", "priority", "all at once"])
def test_the_page_shows_the_same_seats_and_total_as_the_api_one_row_per_group(registry, client, name):
    query, keep = _filters(registry)[name]
    expected = _expected_batches(registry["city"], keep)
    shown = []
    with time_machine.travel(NOW, tick=False):
        for page in range(1, len(expected) // PAGE_SIZE + 2):
            response = client.get("/ru/vacancies/", {**query, "page": page})
            assert response.status_code == 200
            assert response.context["seat_total"] == len(_expected(registry["city"], keep))
            assert response.context["page"].paginator.count == len(expected)
            shown += _page_rows(response.content)
    assert shown == expected
    assert sum(n for _, n in shown) == len(_expected(registry["city"], keep))
    assert any(n > 1 for _, n in shown)  # seats of one release share a row


def test_a_page_past_the_end_is_refused_by_the_api_and_the_last_page_on_the_web(registry, client):
    expected = _expected(registry["city"])
    last = (len(expected) + PAGE_SIZE - 1) // PAGE_SIZE
    batches = _expected_batches(registry["city"])
    last_rows = (len(batches) + PAGE_SIZE - 1) // PAGE_SIZE
    with time_machine.travel(NOW, tick=False):
        assert APIClient().get("/api/v1/vacancies/", {"page": last + 1}).status_code == 404
        response = client.get("/ru/vacancies/", {"page": last_rows + 5})
    assert response.status_code == 200
    assert _page_rows(response.content) == batches[(last_rows - 1) * PAGE_SIZE :]


def test_the_quick_serialiser_gives_what_the_declared_fields_give(registry):
    seats = Seat.objects.filter(state=Seat.State.OPEN).select_related("group__kindergarten__district")
    output = SeatOutput()
    with time_machine.travel(NOW, tick=False):
        for seat in seats:
            seat.stage = _stage(seat)
            assert output.to_representation(seat) == serializers.ModelSerializer.to_representation(output, seat)
    assert any(seat.priority_from is None for seat in seats)  # the empty access time is covered too
