"""Issue 14 item 9 (R-P-2, R-S-2): days missed before a city's first protocol are caught up from its first change."""

import time_machine

from placement.tasks import close_days
from tests.factories import GroupFactory
from tests.vacancies.helpers import D, local
from vacancies.models import Protocol, Seat
from vacancies.protocol import protocols_catch_up, protocols_verify
from vacancies.services import seat_release


def test_it_item_9_r_p_2_catches_up_a_new_citys_missed_days_from_its_first_change(city, kindergarten_a):
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2018, capacity=5)
    # Released Monday 27 May 2024; the portal's job was down until Thursday evening.
    [seat] = seat_release(group=group, count=1, at=local(D(2024, 5, 27), 10))
    with time_machine.travel(local(D(2024, 5, 30), 19), tick=False):
        published = close_days()

    assert published[city.slug] == ["2024-05-27", "2024-05-28", "2024-05-29", "2024-05-30"]
    seat.refresh_from_db()
    # As if the job had run on Monday: priority Tue–Thu, general access from Friday, not days later.
    assert seat.published_at == local(D(2024, 5, 27), 18)
    assert seat.priority_until == D(2024, 5, 30)
    assert seat.general_from == local(D(2024, 5, 31))
    first = Protocol.objects.get(day=D(2024, 5, 27))
    assert first.previous_sha256 == "" and first.previous_cutoff is None
    assert list(first.entries.values_list("kind", flat=True)) == ["released", "published"]
    assert protocols_verify(city=city) == []


def test_it_item_9_publishes_only_the_latest_protocol_for_a_city_where_nothing_happened(city):
    assert [p.day for p in protocols_catch_up(city=city, until=local(D(2024, 5, 30), 19))] == [D(2024, 5, 30)]
    assert not Seat.objects.exists()
