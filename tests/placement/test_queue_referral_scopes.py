"""R-Q-2, R-S-6: the queue's referral checks as rewritten for the turn check's speed (placement/queue/sql.py:
one check per scope, the eligible one by child only, each written as "still open" or "closed after the
moment") count exactly the applications the texts before counted, at every moment asked, past ones included.
"""

import datetime as dt
import random

import pytest
from django.db import connection

from placement.queue import Market, Scope, queue_ordered
from placement.queue.order import market_params
from placement.queue.sql import _QUEUE_TEMPLATE, _TIER_BY_EXISTS
from tests.factories import ApplicationFactory, GroupFactory
from tests.placement.test_queue_fast import END, START, RandomMarket

# The texts before the rewrite, kept here as the reference: the waiting scope's check by application
# in the base, and the eligible scope's check by child on top of it.
REFERENCE_BASE = """
    SELECT a.id, a.filed_at,
        {tier} AS tier
    FROM placement_application a
    WHERE a.city_id = %(city)s AND a.cohort = %(cohort)s AND a.language = %(language)s
      AND a.group_type = %(group_type)s AND a.filed_at <= %(at)s
      AND (a.state = 'active' OR a.closed_at > %(at)s)
      AND NOT EXISTS (SELECT 1 FROM placement_referral r WHERE r.application_id = a.id AND r.issued_at <= %(at)s
                      AND (r.closed_at IS NULL OR r.closed_at > %(at)s))
      {eligible}
"""
REFERENCE_ELIGIBLE = """
      AND (a.stop_listed_until IS NULL OR a.stop_listed_until <= %(at)s)
      AND NOT EXISTS (SELECT 1 FROM placement_referral rc WHERE rc.child_id = a.child_id
                      AND rc.issued_at <= %(at)s AND (rc.closed_at IS NULL OR rc.closed_at > %(at)s))
      AND NOT EXISTS (SELECT 1 FROM accounts_accountblock b
                      JOIN accounts_representativelink l ON l.user_id = b.user_id AND l.state = 'verified'
                      WHERE l.child_id = a.child_id AND b.lifted_at IS NULL
                        AND b.starts_at <= %(at)s AND b.ends_at > %(at)s
                        AND NOT EXISTS (SELECT 1 FROM accounts_representativelink l2
                                        WHERE l2.child_id = l.child_id AND l2.state = 'verified'
                                          AND NOT EXISTS (SELECT 1 FROM accounts_accountblock b2
                                                          WHERE b2.user_id = l2.user_id AND b2.lifted_at IS NULL
                                                            AND b2.starts_at <= %(at)s AND b2.ends_at > %(at)s)))
"""
REFERENCE_QUEUE = _QUEUE_TEMPLATE.format(
    base=REFERENCE_BASE.format(tier=_TIER_BY_EXISTS, eligible="{eligible}"), where=""
)


def reference_queue(market: Market, city, scope: str, at: dt.datetime) -> list[tuple]:
    eligible = REFERENCE_ELIGIBLE if scope == Scope.ELIGIBLE else ""
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_QUEUE.format(eligible=eligible), market_params(market, city, at))
        return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.parametrize("seed", range(12))
def test_the_referral_checks_count_what_the_texts_before_counted_R_S_6_R_Q_2(city, other_city, kindergarten_a, seed):
    rng = random.Random(1000 + seed)
    group = GroupFactory(kindergarten=kindergarten_a, cohort=2021, language="kk", capacity=80, name="Айгөлек")
    market = RandomMarket(rng, city, group)
    applications = [market.application() for _ in range(rng.choice((5, 15, 30)))]
    market.blocks()
    # Referrals of the child on its application in another city (R-S-7: one child, any city), open or
    # closed before, at or after the moments asked: they leave the child out of the eligible scope only.
    for application in applications:
        if rng.random() < 0.4:
            elsewhere = ApplicationFactory(city=other_city, child=application.child, filed_at=START)
            market.referral(elsewhere, closings=(None, True))
    moments = [*rng.sample(market.grid, 6), START - dt.timedelta(hours=1), END + dt.timedelta(days=1)]
    target = Market(city.pk, 2021, "kk", "general")
    for at in moments:
        for scope in (Scope.WAITING, Scope.ELIGIBLE):
            expected = reference_queue(target, city, scope, at)
            assert queue_ordered(market=target, city=city, scope=scope, at=at) == expected, (seed, scope, at)
