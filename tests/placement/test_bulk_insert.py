"""indigo/bulk.py: many rows in one INSERT from arrays, as bulk_create would have written them."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from indigo.bulk import insert_many
from tests.placement.conftest import RELEASED
from vacancies.models import SeatEvent
from vacancies.services import seat_release


def test_it_writes_every_row_in_one_statement_with_its_values(group, parent):
    seats = seat_release(group=group, count=3, at=RELEASED)
    at = RELEASED + dt.timedelta(hours=1)
    events = [
        SeatEvent(seat=seats[0], kind="claimed", at=at, actor=parent, data={"child": "А. Б.", "n": [1, 2]}),
        SeatEvent(seat=seats[1], kind="claimed", at=at, actor=None, note="ескерту"),
        SeatEvent(seat=seats[2], kind="claimed", at=at + dt.timedelta(seconds=1), data={}),
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_many(SeatEvent, events)
    assert len(queries.captured_queries) == 1
    assert all(event.pk for event in events)
    rows = {e.pk: e for e in SeatEvent.objects.filter(pk__in=[event.pk for event in events])}
    for event in events:
        row = rows[event.pk]
        assert (row.seat_id, row.kind, row.at, row.actor_id, row.data, row.note, row.reason) == (
            event.seat_id,
            event.kind,
            event.at,
            event.actor_id,
            event.data,
            event.note,
            event.reason,
        )
