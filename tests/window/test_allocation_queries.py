"""R-W-4 at scale: the allocation's SQL does not grow with the bids or the seats (DESIGN §5, "Window rush").

The referrals, the seat changes and their events are written in bulk (placement/services/claims.py
referrals_issue, vacancies/seat_states.py seats_mark_claimed), the families read in one statement and
the ranking in one: 5 families on 10 seats and 50 on 100 cost the same number of statements."""

from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from placement.models import Referral
from placement.window.snapshot import window_snapshots_clear
from tests.window.conftest import family
from tests.window.test_allocation import allocate, bid
from vacancies.models import Seat, SeatEvent


def _allocation_queries(city, publish, groups, families: int) -> int:
    publish(families, families)
    for n in range(1, families + 1):
        user, application = family(city, n)
        bid(user, [application], [groups[0], groups[1]] if n % 2 else [groups[1], groups[0]])
    with CaptureQueriesContext(connection) as queries:
        [allocation] = allocate()
    assert allocation.placed == families == Referral.objects.count()
    assert SeatEvent.objects.filter(kind="claimed").count() == families
    assert Seat.objects.filter(state=Seat.State.CLAIMED).count() == families
    return len(queries.captured_queries)


def test_the_allocation_costs_as_many_statements_for_fifty_families_as_for_five_R_W_4(city, publish, groups):
    counts = []
    for families in (5, 50):
        # Each size on the same empty market: the second run starts from what the first found.
        savepoint = transaction.savepoint()
        counts.append(_allocation_queries(city, publish, groups, families))
        transaction.savepoint_rollback(savepoint)
        cache.clear()
        window_snapshots_clear()
    assert counts[0] == counts[1], counts
    assert counts[0] < 40, counts
