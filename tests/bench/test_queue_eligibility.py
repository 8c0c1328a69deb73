"""The eligible queue (R-S-6) as rewritten for speed (placement/queue/sql.py, docs/performance.md) leaves out
exactly the children the original formulation left out: only those represented by blocked accounts alone."""

import datetime as dt

from django.db import connection

from accounts.models import AccountBlock, RepresentativeLink
from indigo.clock import at_local
from placement.queue import Market, Scope, queue_ordered
from placement.queue.sql import QUEUE_SQL as _QUEUE_SQL
from placement.queue.sql import WAITING_SQL
from tests.factories import ApplicationFactory, ChildFactory, UserFactory

AT = at_local(dt.date(2024, 6, 3), dt.time(10))
# The formulation before the rewrite, kept here as the reference the new one must agree with.
REFERENCE_ELIGIBLE_SQL = """
      AND (a.stop_listed_until IS NULL OR a.stop_listed_until <= %(at)s)
      AND (NOT EXISTS (SELECT 1 FROM accounts_representativelink l
                       WHERE l.child_id = a.child_id AND l.state = 'verified')
           OR EXISTS (SELECT 1 FROM accounts_representativelink l
                      WHERE l.child_id = a.child_id AND l.state = 'verified'
                        AND NOT EXISTS (SELECT 1 FROM accounts_accountblock b
                                        WHERE b.user_id = l.user_id AND b.lifted_at IS NULL
                                          AND b.starts_at <= %(at)s AND b.ends_at > %(at)s)))
"""


def _block(user, *, starts=AT - dt.timedelta(days=1), ends=AT + dt.timedelta(days=180), lifted=None):
    AccountBlock.objects.create(user=user, reason="shared", starts_at=starts, ends_at=ends, lifted_at=lifted)


def _child(city, *links):
    """An application whose child has these (user, state) links."""
    application = ApplicationFactory(city=city, child=ChildFactory(), filed_at=AT - dt.timedelta(days=400))
    for user, state in links:
        RepresentativeLink.objects.create(user=user, child=application.child, relation="parent", state=state)
    return application


def test_it_leaves_out_exactly_the_children_only_blocked_accounts_represent(city):
    free, blocked, lifted, ended, future = (UserFactory() for _ in range(5))
    _block(blocked)
    _block(lifted, lifted=AT - dt.timedelta(hours=1))
    _block(ended, starts=AT - dt.timedelta(days=200), ends=AT - dt.timedelta(days=1))
    _block(future, starts=AT + dt.timedelta(days=1))
    expected_out = {
        _child(city, (blocked, "verified")).pk,
        _child(city, (blocked, "verified"), (UserFactory(), "pending")).pk,
    }
    kept = {
        _child(city).pk,  # nobody linked yet
        _child(city, (free, "verified")).pk,
        _child(city, (blocked, "verified"), (free, "verified")).pk,  # a second, unblocked representative
        _child(city, (blocked, "pending")).pk,  # the blocked account's link is not verified
        _child(city, (lifted, "verified")).pk,
        _child(city, (ended, "verified")).pk,
        _child(city, (future, "verified")).pk,
    }
    market = Market(city.pk, 2021, "kk", "general")
    eligible = {row[0] for row in queue_ordered(market=market, city=city, scope=Scope.ELIGIBLE, at=AT)}
    assert eligible == kept
    assert not eligible & expected_out

    params = {
        "city": city.pk,
        "cohort": 2021,
        "language": "kk",
        "group_type": "general",
        "at": AT,
        "today": AT.date(),
        "privileged": city.interleave_privileged,
        "general": city.interleave_general,
    }
    with connection.cursor() as cursor:
        cursor.execute(_QUEUE_SQL.format(scope=WAITING_SQL + REFERENCE_ELIGIBLE_SQL, where=""), params)
        reference = [tuple(row) for row in cursor.fetchall()]
    assert queue_ordered(market=market, city=city, scope=Scope.ELIGIBLE, at=AT) == reference
